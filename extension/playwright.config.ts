/**
 * Browser tests of the built extension (dist/chromium), loaded unpacked into
 * Debian's Chromium, against the real backend with the shipped model (started
 * here as the web app's tests start it) and a test site on another loopback port.
 *
 * Environment:
 *   CHROMIUM_PATH           browser executable (default /usr/bin/chromium)
 *   E2E_PORT                port for the backend started here (default: a free one)
 *   E2E_SERVER_TIMEOUT_MS   how long the backend may take to load the model (default 300000)
 *   E2E_PYTHON              Python with c2pa-python, to sign the test picture (default ../.venv/bin/python)
 *   E2E_SITE_PORT           port of the test site (default: a free one)
 *   E2E_SCREENSHOT_DIR      also copy the docs' screenshot there (../docs/images)
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import { backendServer, freePort } from '../frontend/e2e/backend';

const extensionDir = path.dirname(fileURLToPath(import.meta.url));

// Chosen once in the main process; the test workers inherit the variable.
process.env.E2E_PORT ||= String(await freePort());
const port = process.env.E2E_PORT;
const serverUrl = `http://127.0.0.1:${port}`;
if (!existsSync(path.join(extensionDir, 'dist', 'chromium', 'manifest.json'))) {
  throw new Error('extension/dist/chromium is missing: run `npm run build` first');
}

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  outputDir: 'test-results/playwright',
  // One browser with the extension, one backend worker on a small CPU: one test at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  // The first prediction warms TensorFlow up.
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: serverUrl,
    viewport: { width: 1100, height: 900 },
    deviceScaleFactor: 1,
    locale: 'en-GB',
    timezoneId: 'UTC',
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
  },
  // The web app's own way of starting the backend; the extension's pages need no built web app.
  webServer: backendServer(port),
});
