import { setupServer } from 'msw/node';
import { handlers } from './handlers';

/** Intercepts `fetch` in tests: no request reaches the network. */
export const server = setupServer(...handlers);
