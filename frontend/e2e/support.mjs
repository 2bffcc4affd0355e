// Helpers for the browser tests: synthetic images, servers, small assertions.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import net from 'node:net';
import { deflateSync } from 'node:zlib';

// ---------- Synthetic PNG images (no dataset files are used) ----------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** @param {Buffer} buffer */
function crc32(buffer) {
  let crc = 0xffffffff;
  for (const byte of buffer) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** @param {string} type @param {Buffer} data */
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * An RGB PNG drawn by `pixel(x, y) -> [r, g, b]`.
 * @param {number} width
 * @param {number} height
 * @param {(x: number, y: number) => [number, number, number]} pixel
 */
export function makePng(width, height, pixel) {
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y += 1) {
    raw[y * stride] = 0; // filter: none
    for (let x = 0; x < width; x += 1) {
      const [r, g, b] = pixel(x, y);
      raw.set([r, g, b], y * stride + 1 + x * 3);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A sky-to-sand "landscape" with a sun, 160x96. */
export function sunsetPng() {
  return makePng(160, 96, (x, y) => {
    const sun = (x - 112) ** 2 + (y - 34) ** 2 < 15 ** 2;
    if (sun) return [255, 214, 90];
    if (y > 64) return [194 - (y - 64), 160 - (y - 64), 110];
    return [40 + y * 2, 90 + y, 200 - y];
  });
}

/** Coloured blocks with a diagonal stripe, 64x64. */
export function blocksPng() {
  return makePng(64, 64, (x, y) => {
    if (Math.abs(x - y) < 4) return [250, 250, 250];
    return [(x >> 4) * 60, (y >> 4) * 60, ((x + y) >> 5) * 90];
  });
}

/** @param {string} name @param {Buffer} buffer */
export function pngFile(name, buffer) {
  return { name, mimeType: 'image/png', buffer };
}

export function textFile(name = 'notes.txt') {
  return { name, mimeType: 'text/plain', buffer: Buffer.from('This is a text file, not a picture.\n') };
}

// ---------- The real backend ----------

/** A TCP port that was free a moment ago. */
export function freePort() {
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

/**
 * Starts the backend (gunicorn) in its own process group, logging to `logPath`.
 * @param {{ command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, logPath: string }} options
 */
export function startServer({ command, args, cwd, env, logPath }) {
  const log = createWriteStream(logPath);
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.on('error', (error) => log.write(`\nfailed to start ${command}: ${error.message}\n`));
  return { child, exited, log };
}

/**
 * Stops a process group started by `startServer`: SIGTERM, then SIGKILL.
 * @param {{ child: import('node:child_process').ChildProcess, exited: Promise<unknown> }} server
 */
export async function stopServer(server) {
  const { child, exited } = server;
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const signalGroup = (/** @type {NodeJS.Signals} */ signal) => {
    try {
      process.kill(-(/** @type {number} */ (child.pid)), signal);
    } catch {
      /* already gone */
    }
  };
  signalGroup('SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!stopped) {
    signalGroup('SIGKILL');
    await Promise.race([exited, sleep(5_000)]);
  }
}

/**
 * Polls `url` until it answers 200, the process dies, or time runs out.
 * @param {string} url
 * @param {{ timeoutMs: number, exited?: Promise<unknown> }} options
 * @returns {Promise<{ model_version?: string }>} the health answer
 */
export async function waitForHealthy(url, { timeoutMs, exited }) {
  let dead = false;
  exited?.then(() => {
    dead = true;
  });
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (dead) throw new Error('the server process exited before it became healthy');
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (response.status === 200) return await response.json();
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await sleep(500);
  }
  throw new Error(`${url} did not answer 200 within ${Math.round(timeoutMs / 1000)} s (last: ${lastError})`);
}

/** @param {number} ms */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
