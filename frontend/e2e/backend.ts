// How the browser tests start the real backend (gunicorn with the shipped model) on a free
// port: the web app's tests and the browser extension's (extension/playwright.config.ts) alike.
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The fields of Playwright's `webServer` option that start the backend. */
export interface BackendServer {
  command: string;
  cwd: string;
  url: string;
  env: Record<string, string>;
  timeout: number;
  reuseExistingServer: boolean;
  stdout: 'ignore' | 'pipe';
  stderr: 'ignore' | 'pipe';
  gracefulShutdown: { signal: 'SIGINT' | 'SIGTERM'; timeout: number };
}

/**
 * Playwright's webServer entry for the backend on 127.0.0.1:`port`, with `env` added
 * (e.g. FLASK_FRONTEND_DIST). E2E_SERVER_TIMEOUT_MS: how long it may take to load the model.
 */
export function backendServer(port: string, env: Record<string, string> = {}): BackendServer {
  return {
    command: `${path.join(repoDir, '.venv', 'bin', 'gunicorn')} -c ${path.join(repoDir, 'backend', 'gunicorn.conf.py')}`,
    cwd: repoDir,
    url: `http://127.0.0.1:${port}/api/health`,
    env: {
      PORT: port,
      BIND: `127.0.0.1:${port}`,
      WEB_CONCURRENCY: process.env.WEB_CONCURRENCY ?? '1',
      // TensorFlow's start-up notes about missing GPUs are noise here.
      TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2',
      ...env,
    },
    timeout: Number(process.env.E2E_SERVER_TIMEOUT_MS) || 300_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
  };
}
