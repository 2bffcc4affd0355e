/**
 * The WebExtension API of the browser the extension runs in: Firefox's
 * promise-based `browser`, or Chromium's `chrome` (whose MV3 methods return
 * promises too). Read at each call, so tests can put a stand-in in place.
 */
export function ext(): typeof chrome {
  const scope = globalThis as { browser?: typeof chrome; chrome?: typeof chrome };
  const api = scope.browser ?? scope.chrome;
  if (!api?.runtime) throw new Error('The WebExtension API is missing: open this page inside the extension.');
  return api;
}
