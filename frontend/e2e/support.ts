// Helpers for the browser tests: synthetic pictures (no dataset files) and small locators.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';

export const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoDir = path.resolve(frontendDir, '..');
/** Named screenshots, kept between runs (Playwright's own output is under test-results/playwright). */
export const artifacts = path.join(frontendDir, 'test-results');

export interface Payload {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buffer) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An RGB PNG drawn by `pixel(x, y) -> [r, g, b]`. */
export function makePng(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]) {
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y += 1) {
    raw[y * stride] = 0; // filter: none
    for (let x = 0; x < width; x += 1) raw.set(pixel(x, y), y * stride + 1 + x * 3);
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

export function pngFile(name: string, buffer: Buffer): Payload {
  return { name, mimeType: 'image/png', buffer };
}

export function textFile(name = 'notes.txt'): Payload {
  return { name, mimeType: 'text/plain', buffer: Buffer.from('This is a text file, not a picture.\n') };
}

/**
 * Signs a small JPEG with Content Credentials declaring it AI-generated
 * (c2pa.created, trainedAlgorithmicMedia) under a certificate chain made for
 * the test, using the backend's Python and c2pa-python. Returns its path.
 */
export function signedJpeg(): string {
  const outDir = path.join(artifacts, 'fixtures');
  mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, 'signed-by-test.jpg');
  const python = process.env.E2E_PYTHON || path.join(repoDir, '.venv', 'bin', 'python');
  execFileSync(python, [path.join(frontendDir, 'e2e', 'sign_fixture.py'), out], { cwd: repoDir, stdio: 'pipe' });
  return out;
}

// An iPhone-style HEIC: a drawn landscape, tagged with the phone's make and model, with a stored
// preview as phones keep one (an iPhone's is 320 pixels wide; 160 here, for a smaller picture) and the picture
// stored in tiles as phones store it (512 pixels on an iPhone; 128 here, 20 tiles, enough to check the preview against),
// encoded by pillow-heif.
const HEIC_FIXTURE = `
import sys
from PIL import Image, ImageDraw
import pillow_heif
pillow_heif.register_heif_opener()
image = Image.new("RGB", (640, 480), (70, 130, 200))
draw = ImageDraw.Draw(image)
draw.rectangle([0, 320, 640, 480], fill=(90, 140, 70))
draw.ellipse([440, 60, 540, 160], fill=(255, 214, 90))
exif = Image.Exif()
exif[0x010F], exif[0x0110] = "Apple", "iPhone 15 Pro"
image.save(sys.argv[1], format="HEIF", quality=85, exif=exif.tobytes(), thumbnails=[160], tile_size=128)
`;

/** A HEIC photo made at test time with the backend's Python, as a browser often sends it: with no MIME type. */
export function iphoneHeic(): Payload {
  const outDir = path.join(artifacts, 'fixtures');
  mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, 'IMG_0001.HEIC');
  const python = process.env.E2E_PYTHON || path.join(repoDir, '.venv', 'bin', 'python');
  execFileSync(python, ['-c', HEIC_FIXTURE, out], { cwd: repoDir, stdio: 'pipe' });
  return { name: 'IMG_0001.HEIC', mimeType: '', buffer: readFileSync(out) };
}

/** The result card of one file. */
export function card(page: Page, name: string): Locator {
  return page.getByRole('article', { name, exact: true });
}

export function historyRows(page: Page): Locator {
  return page.getByRole('table', { name: /Images checked in this session/ }).locator('tbody tr');
}

/** Natural width of a loaded <img>, waiting for it to load. */
export function naturalWidth(image: Locator): Promise<number> {
  return image.evaluate(async (element) => {
    const img = element as HTMLImageElement;
    if (!img.complete) await new Promise((resolve) => img.addEventListener('load', resolve, { once: true }));
    return img.naturalWidth;
  });
}

/** The page's serious or critical axe-core violations (WCAG 2.1 A and AA, and best practice), one line each. */
export async function graveViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}
