// The test object for the extension's browser tests: Chromium with the unpacked extension
// (one per worker, with the server's address saved in its options), the extension's id,
// and a test site on another loopback port whose pages show the pictures to check.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, expect, test as base, type BrowserContext, type Page, type Worker } from '@playwright/test';
import { blocksPng, signedJpeg, sunsetPng } from '../../frontend/e2e/support';

const extensionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const unpacked = path.join(extensionDir, 'dist', 'chromium');
/** The backend playwright.config.ts starts (its baseURL, which worker fixtures cannot read). */
const serverUrl = `http://127.0.0.1:${process.env.E2E_PORT}`;

export interface TestSite {
  origin: string;
  /** Paths requested from the site, in order. */
  requests: string[];
}

/** The pictures and pages the test site serves, by path. */
function siteRoutes(): Record<string, { status?: number; type?: string; body: string | Buffer; location?: string }> {
  const dataPicture = `data:image/png;base64,${blocksPng().toString('base64')}`;
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pictures from another site</title></head>
<body>
  <h1>Pictures from another site</h1>
  <img id="plain" src="/sunset.png" alt="A drawn sunset">
  <img id="data" src="${dataPicture}" alt="Coloured blocks written into the page">
  <img id="signed" src="/signed-by-test.jpg" alt="A picture signed with Content Credentials">
  <img id="broken" src="/missing.png" alt="A picture that is gone">
  <img id="responsive" src="/narrow.png" srcset="/narrow.png 64w, /wide.png 160w" sizes="160px" alt="A picture in two sizes">
</body></html>`;
  return {
    '/page.html': { type: 'text/html; charset=utf-8', body: page },
    '/sunset.png': { type: 'image/png', body: sunsetPng() },
    '/wide.png': { type: 'image/png', body: sunsetPng() },
    '/narrow.png': { type: 'image/png', body: blocksPng() },
    '/signed-by-test.jpg': { type: 'image/jpeg', body: readFileSync(signedJpeg()) },
    // An image address that serves a web page instead (a login wall, an article).
    '/article.jpg': { type: 'text/html; charset=utf-8', body: '<!doctype html><title>Please log in</title><p>Log in to see this picture.</p>' },
    '/loop.jpg': { status: 302, location: '/loop.jpg', body: '' },
  };
}

/** Serves the test site on a free loopback port (or E2E_SITE_PORT). */
async function startSite(): Promise<{ site: TestSite; close: () => Promise<void> }> {
  const routes = siteRoutes();
  const site: TestSite = { origin: '', requests: [] };
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://site');
    site.requests.push(url.pathname);
    const route = routes[url.pathname];
    if (!route) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
      return;
    }
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
    if (route.type) headers['Content-Type'] = route.type;
    if (route.location) headers.Location = route.location;
    response.writeHead(route.status ?? 200, headers).end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(Number(process.env.E2E_SITE_PORT) || 0, '127.0.0.1', resolve));
  site.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { site, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The extension's background service worker, once it runs. */
async function backgroundWorker(context: BrowserContext): Promise<Worker> {
  return context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
}

export const test = base.extend<{ page: Page }, { extension: BrowserContext; extensionId: string; site: TestSite }>({
  extension: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const profile = mkdtempSync(path.join(os.tmpdir(), 'extension-e2e-'));
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
        headless: true,
        // Playwright turns extensions off by default.
        ignoreDefaultArgs: ['--disable-extensions'],
        args: [
          '--headless=new',
          `--disable-extensions-except=${unpacked}`,
          `--load-extension=${unpacked}`,
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
        viewport: { width: 1100, height: 900 },
        deviceScaleFactor: 1,
        locale: 'en-GB',
        timezoneId: 'UTC',
      });
      // Point the extension at the server started for the tests, as its options page would.
      const worker = await backgroundWorker(context);
      await worker.evaluate((url) => chrome.storage.local.set({ settings: { serverUrl: url } }), serverUrl);
      await use(context);
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
  extensionId: [
    async ({ extension }, use) => {
      const worker = await backgroundWorker(extension);
      await use(new URL(worker.url()).host);
    },
    { scope: 'worker' },
  ],
  site: [
    // Playwright reads a fixture's dependencies from this pattern: the site needs none.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const { site, close } = await startSite();
      await use(site);
      await close();
    },
    { scope: 'worker' },
  ],
  page: async ({ extension }, use) => {
    const page = await extension.newPage();
    await use(page);
    await page.close();
  },
});

export { expect };
