/**
 * Browser tests of the built app (dist/) served by the real backend with the
 * shipped model, in Debian's Chromium.
 *
 * Environment:
 *   CHROMIUM_PATH           browser executable (default /usr/bin/chromium)
 *   E2E_BASE_URL            test this running server instead of starting one
 *   E2E_PORT                port for the backend started here (default: a free one)
 *   E2E_SERVER_TIMEOUT_MS   how long the backend may take to load the model (default 300000)
 *   E2E_PYTHON              Python with c2pa-python, to sign the test picture (default ../.venv/bin/python)
 *   E2E_SCREENSHOT_DIR      also copy the README screenshots there (e.g. ../performance)
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import { backendServer, freePort } from './e2e/backend';

const frontendDir = path.dirname(fileURLToPath(import.meta.url));

const externalUrl = process.env.E2E_BASE_URL?.replace(/\/+$/, '');
// Chosen once in the main process; the test workers inherit the variable.
process.env.E2E_PORT ||= String(externalUrl ? 0 : await freePort());
const port = process.env.E2E_PORT;
const baseURL = externalUrl ?? `http://127.0.0.1:${port}`;
if (!externalUrl && !existsSync(path.join(frontendDir, 'dist', 'index.html'))) {
  throw new Error('frontend/dist is missing: run `npm run build` first');
}

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  // Failure screenshots and traces; the named screenshots go to test-results/ itself.
  outputDir: 'test-results/playwright',
  // One backend worker on a small CPU: one browser test at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  // The first prediction warms TensorFlow up.
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    locale: 'en-GB',
    timezoneId: 'UTC',
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: externalUrl ? undefined : backendServer(port, { FLASK_FRONTEND_DIST: path.join(frontendDir, 'dist') }),
});
