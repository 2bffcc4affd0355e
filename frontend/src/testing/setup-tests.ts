import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { server } from './mocks/server';

// jsdom's File and FormData do not survive Node's fetch (which MSW intercepts):
// file names become "blob". Use Node's own classes, as coherent as a browser's.
const nodeForm = await new Response(
  '--b\r\nContent-Disposition: form-data; name="file"; filename="probe.txt"\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n',
  { headers: { 'Content-Type': 'multipart/form-data; boundary=b' } },
).formData();
globalThis.FormData = nodeForm.constructor as typeof FormData;
globalThis.File = (nodeForm.get('file') as File).constructor as typeof File;

// jsdom has no object URLs: give each file a fake blob: URL.
let objectUrls = 0;
URL.createObjectURL = () => {
  objectUrls += 1;
  return `blob:http://localhost/preview-${objectUrls}`;
};
URL.revokeObjectURL = () => {};

// findBy* and waitFor wait this long (default 1 s): enough for a busy, shared CPU.
configure({ asyncUtilTimeout: 5_000 });

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));

afterEach(() => {
  cleanup();
  server.resetHandlers();
  window.sessionStorage.clear();
  window.location.hash = '';
});

afterAll(() => server.close());
