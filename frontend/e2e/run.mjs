// Runs the browser tests: starts the real backend serving the built app
// (unless E2E_BASE_URL points at a running one), drives Chromium through
// playwright-core, and ends with a "N passed, N failed" line.
//
// Environment:
//   E2E_BASE_URL            test this server instead of starting one
//   CHROMIUM_PATH           browser executable (default /usr/bin/chromium)
//   E2E_SERVER_TIMEOUT_MS   how long the backend may take to become healthy (default 60000)
//   E2E_FILTER              run only tests whose name contains this text
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { tests } from './app.e2e.mjs';
import { freePort, startServer, stopServer, waitForHealthy } from './support.mjs';

const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = path.resolve(frontendDir, '..');
const distDir = path.join(frontendDir, 'dist');
const artifacts = path.join(frontendDir, 'test-results');
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const serverTimeoutMs = Number(process.env.E2E_SERVER_TIMEOUT_MS) || 60_000;

/** @type {ReturnType<typeof startServer> | null} */
let server = null;
let userDataDir = '';

async function cleanUp() {
  if (server) await stopServer(server);
  server = null;
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  userDataDir = '';
}

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping`);
    void cleanUp().finally(() => process.exit(130));
  });
}

/** @param {string} logPath */
function serverLogTail(logPath, lines = 30) {
  if (!existsSync(logPath)) return '';
  return readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

async function baseUrlToTest() {
  if (process.env.E2E_BASE_URL) return process.env.E2E_BASE_URL.replace(/\/+$/, '');
  if (!existsSync(path.join(distDir, 'index.html'))) {
    throw new Error('frontend/dist is missing: run `npm run build` first');
  }
  const port = await freePort();
  const logPath = path.join(artifacts, 'server.log');
  const gunicorn = path.join(repoDir, '.venv', 'bin', 'gunicorn');
  console.log(`starting the backend on port ${port}: ${path.relative(frontendDir, gunicorn)} (log: test-results/server.log)`);
  server = startServer({
    command: gunicorn,
    args: ['-c', path.join(repoDir, 'backend', 'gunicorn.conf.py')],
    cwd: repoDir,
    env: {
      ...process.env,
      PORT: String(port),
      BIND: `127.0.0.1:${port}`,
      WEB_CONCURRENCY: process.env.WEB_CONCURRENCY ?? '1',
      FLASK_FRONTEND_DIST: distDir,
    },
    logPath,
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    const health = await waitForHealthy(`${baseUrl}/api/health`, { timeoutMs: serverTimeoutMs, exited: server.exited });
    console.log(`backend ready: model ${health.model_version}`);
  } catch (error) {
    console.error(serverLogTail(logPath));
    throw error;
  }
  return baseUrl;
}

async function main() {
  await mkdir(artifacts, { recursive: true });
  for (const name of await readdir(artifacts)) {
    if (/^failure-\d+\.png$/.test(name)) await rm(path.join(artifacts, name));
  }
  const filter = process.env.E2E_FILTER ?? '';
  const selected = tests.filter((test) => test.name.includes(filter));
  let passed = 0;
  let failed = 0;

  try {
    const baseUrl = await baseUrlToTest();
    const origin = new URL(baseUrl).origin;
    userDataDir = await mkdtemp(path.join(os.tmpdir(), 'e2e-chromium-'));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
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
      viewport: { width: 1280, height: 900 },
      deviceScaleFactor: 1,
      locale: 'en-GB',
      timezoneId: 'UTC',
    });
    context.setDefaultTimeout(15_000);

    try {
      for (const [index, test] of selected.entries()) {
        const page = await context.newPage();
        /** @type {string[]} */
        const problems = [];
        page.on('pageerror', (error) => problems.push(`uncaught error in the page: ${error.message}`));
        page.on('console', (message) => {
          if (/Content.Security.Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
        });
        page.on('request', (request) => {
          const url = request.url();
          if (!/^(data|blob):/.test(url) && new URL(url).origin !== origin) {
            problems.push(`request to another origin: ${url}`);
          }
        });
        const started = Date.now();
        try {
          await test.run({ page, baseUrl, artifacts });
          if (problems.length > 0) throw new Error(problems.join('\n'));
          passed += 1;
          console.log(`ok ${index + 1} - ${test.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        } catch (error) {
          failed += 1;
          console.log(`not ok ${index + 1} - ${test.name}`);
          console.log(String(error instanceof Error ? (error.stack ?? error.message) : error).replace(/^/gm, '    '));
          await page
            .screenshot({ path: path.join(artifacts, `failure-${index + 1}.png`), fullPage: true })
            .catch(() => {});
        } finally {
          await page.close();
        }
      }
    } finally {
      await context.close();
    }
  } catch (error) {
    failed += selected.length - passed - failed || 1;
    console.error(`e2e setup failed: ${error instanceof Error ? error.message : error}`);
  } finally {
    await cleanUp();
  }

  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
