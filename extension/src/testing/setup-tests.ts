import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { fakeExtension, type FakeExtension } from './fake-extension';
import { server } from './server';

// Node's own File and FormData, which survive Node's fetch (that MSW intercepts); jsdom's lose file names.
const probe = await new Response('--x\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n\r\n1\r\n--x--\r\n', {
  headers: { 'Content-Type': 'multipart/form-data; boundary=x' },
}).formData();
globalThis.FormData = probe.constructor as typeof FormData;
globalThis.File = (probe.get('f') as File).constructor as typeof File;

// jsdom has no object URLs.
let objectUrls = 0;
URL.createObjectURL = () => `blob:chrome-extension://fake-extension/${(objectUrls += 1)}`;
URL.revokeObjectURL = () => {};

configure({ asyncUtilTimeout: 5_000 });

declare global {
  /** The stand-in WebExtension API of the running test. */
  var testExtension: FakeExtension;
}

beforeAll(() =>
  server.listen({
    // Every request must be one a test expects; data: addresses are read without the network.
    onUnhandledRequest: (request, print) => {
      // (MSW names a data: request by its origin, "null", and its path.)
      if (!/^(data:|null)/.test(request.url)) print.error();
    },
  }),
);

beforeEach(() => {
  globalThis.testExtension = fakeExtension();
  (globalThis as { chrome?: typeof chrome }).chrome = globalThis.testExtension.api;
});

afterEach(() => {
  cleanup();
  server.resetHandlers();
  server.events.removeAllListeners();
});

afterAll(() => server.close());
