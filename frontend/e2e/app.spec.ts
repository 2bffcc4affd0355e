// Browser tests of the built app served by the real backend with the real model.
// The synthetic pictures may get either verdict: only the presence of one is checked.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import {
  artifacts,
  blocksPng,
  card,
  graveViolations,
  historyRows,
  iphoneHeic,
  makePng,
  naturalWidth,
  pngFile,
  signedJpeg,
  sunsetPng,
  textFile,
  type Payload,
} from './support';

/** Generous: the first prediction warms TensorFlow up on a small CPU. */
const VERDICT_TIMEOUT = 60_000;
const VERDICT = /^(Real photo|AI-generated|Can’t tell)$/;
const LEAN =
  /^The pixel model leans towards (a real photo|an AI-generated picture) \(\d+%\), but on pictures like this it was right only \d+% of the time\.$/;
const WIDTHS = [
  { width: 1280, height: 900 },
  { width: 375, height: 812 },
];

/**
 * A photo-sized picture of grey noise, 400x300 (seeded, so always the same): nothing in the file settles
 * it, and the shipped model is unsure about pictures like it.
 */
function noisePng() {
  let seed = 1;
  const next = () => {
    seed = (seed * 48271) % 2147483647; // MINSTD: exact in doubles
    return seed & 255;
  };
  return makePng(400, 300, () => [next(), next(), next()]);
}

async function upload(page: Page, files: Payload[] | string) {
  await page.getByLabel('Choose image files').setInputFiles(files);
}

/** Fails on any serious or critical axe-core violation on the page. */
async function expectAccessible(page: Page, where: string) {
  expect(await graveViolations(page), `serious or critical accessibility violations on ${where}`).toEqual([]);
}

async function expectVerdict(page: Page, name: string) {
  const result = card(page, name);
  await expect(result.locator('.verdict-label')).toHaveText(VERDICT, { timeout: VERDICT_TIMEOUT });
  return result;
}

/** Saves a named screenshot (of the page, or of one element) in test-results/ and, with E2E_SCREENSHOT_DIR, a copy for the README. */
async function screenshot(page: Page, name: string, readmeName?: string, element?: Locator) {
  const file = path.join(artifacts, name);
  if (element) await element.screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: true });
  const readmeDir = process.env.E2E_SCREENSHOT_DIR;
  if (readmeDir && readmeName) {
    mkdirSync(readmeDir, { recursive: true });
    copyFileSync(file, path.join(readmeDir, readmeName));
  }
}

test('the built app loads from the API server', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveTitle('Real or AI? — AI-generated image detector');
  await expect(page.getByRole('heading', { name: 'Real or AI?' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Choose images…' })).toBeVisible();
  await expect(page.getByText('Your pictures go only to this app’s own server')).toBeVisible();
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(policy ?? '', 'the page may only connect to its own origin').toMatch(/connect-src 'self'/);
});

test('an uploaded image gets a verdict, its evidence, a P(REAL) bar and a heatmap toggle', async ({ page }) => {
  await page.goto('/');
  await upload(page, [pngFile('sunset.png', sunsetPng())]);
  const result = card(page, 'sunset.png');
  // The preview shows at once, before the answer.
  await expect(result.getByRole('img', { name: 'Preview of sunset.png' })).toBeVisible();
  await expectVerdict(page, 'sunset.png');

  const meter = result.getByRole('meter', { name: 'Probability that the image is a real photo' });
  const p = Number(await meter.getAttribute('aria-valuenow'));
  expect(p, 'P(REAL) is a probability').toBeGreaterThanOrEqual(0);
  expect(p).toBeLessThanOrEqual(1);
  await expect(result.locator('.evidence-text').getByText(/^The model is /)).toBeVisible();
  const evidence = result.getByRole('list', { name: 'Evidence' });
  for (const line of ['Content Credentials', 'Generator metadata', 'Camera metadata', 'Pixel model']) {
    await expect(evidence.getByRole('listitem', { name: line })).toBeVisible();
  }
  await expect(result.getByText('0.5 threshold', { exact: true })).toBeVisible();

  // The input size is the server's to say; the picture the model saw is that wide.
  const modelCard = (await (await page.request.get('/api/model')).json()) as { decision: { input_size: number } };
  const inputSize = modelCard.decision.input_size;
  const modelInput = result.getByRole('img', { name: 'The picture the model analysed' });
  expect(await naturalWidth(modelInput), 'the model input is input_size px wide').toBe(inputSize);

  const toggle = result.getByRole('switch', { name: 'Show heatmap' });
  await expect(toggle).not.toBeChecked();
  await toggle.check();
  const overlay = result.getByRole('img', { name: 'Grad-CAM heatmap over sunset.png' });
  await expect(overlay).toBeVisible();
  expect(await naturalWidth(overlay), 'the heatmap is as wide as the model input').toBe(inputSize);
  const [previewBox, overlayBox] = await Promise.all([
    result.getByRole('img', { name: 'Preview of sunset.png' }).boundingBox(),
    overlay.boundingBox(),
  ]);
  expect(previewBox && overlayBox, 'both images are laid out').toBeTruthy();
  // The heatmap covers the whole image.
  expect(Math.abs(previewBox!.width - overlayBox!.width)).toBeLessThan(2);
  expect(Math.abs(previewBox!.height - overlayBox!.height)).toBeLessThan(2);
  await expect(page.getByRole('status').filter({ hasText: 'sunset.png:' })).toBeAttached();

  await screenshot(page, 'result.png', 'web_app.png');
  await page.setViewportSize({ width: 375, height: 812 });
  await result.scrollIntoViewIfNeeded();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, 'no sideways scrolling at phone width').toBeLessThanOrEqual(375);
  await screenshot(page, 'result-mobile.png');
});

test('a picture signed with Content Credentials shows them first, as evidence rather than a guess', async ({ page }) => {
  const signed = signedJpeg();
  await page.goto('/');
  await upload(page, signed);
  const result = await expectVerdict(page, 'signed-by-test.jpg');

  // The test's own certificate is on no trust list: AI-generated by the file's own (unverified) declaration.
  const verdict = result.locator('.verdict');
  await expect(verdict.locator('.verdict-label')).toHaveText('AI-generated');
  await expect(verdict.getByText('Declared in the file')).toBeVisible();
  await expect(verdict.getByText('The file’s own metadata')).toBeVisible();
  await expect(verdict, 'no model percentage in the headline').not.toContainText('%');

  const credentials = result.getByRole('list', { name: 'Evidence' }).getByRole('listitem', { name: 'Content Credentials' });
  await expect(credentials).toContainText('Present, signer not on a trust list');
  await expect(credentials.getByText('Example Generator Inc. (certificate “Test Generator Signer”)')).toBeVisible();
  await expect(credentials.getByText('made by AI')).toBeVisible();
  await expect(credentials.getByText(/created by generative AI/)).toBeVisible();

  await result.scrollIntoViewIfNeeded();
  await screenshot(page, 'result-credentials.png', 'web_app_credentials.png', result);
});

test('an iPhone photo in HEIC, sent untyped as browsers do, gets a verdict and its camera line', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByText(/HEIC\/HEIF, AVIF/)).toBeVisible();
  await upload(page, [iphoneHeic()]);
  const result = await expectVerdict(page, 'IMG_0001.HEIC');
  // Read from the preview stored in the file once a few of its tiles showed the same picture, as the caption says.
  await expect(
    result.getByText(
      'Your image · 640×480 HEIF · read from the 160×120 preview stored in the file, checked against 8 of its 20 tiles',
    ),
  ).toBeVisible();
  const camera = result.getByRole('list', { name: 'Evidence' }).getByRole('listitem', { name: 'Camera metadata' });
  await expect(camera).toContainText('iPhone 15 Pro');
});

test('a photo-sized picture that nothing settles gets “Can’t tell”, with the model’s lean below it', async ({ page }) => {
  await page.goto('/');
  await upload(page, [pngFile('noise.png', noisePng())]);
  const result = card(page, 'noise.png');
  const verdict = result.locator('.verdict');
  await expect(verdict.locator('.verdict-label')).toHaveText('Can’t tell', { timeout: VERDICT_TIMEOUT });
  await expect(verdict).toHaveClass(/tone-cant-tell/);
  await expect(verdict.locator('.verdict-lean')).toHaveText(LEAN);
  await expect(verdict.getByText('The pixel model’s guess')).toBeVisible();
  // The history shows the outcome in its Verdict column and counts it apart.
  await expect(historyRows(page).first().locator('.history-verdict')).toHaveText('Can’t tell');
  await expect(page.getByText(/^1 image: 0 AI-generated, 0 real photos, 1 can’t tell\.$/)).toBeVisible();

  await result.scrollIntoViewIfNeeded();
  await screenshot(page, 'result-cant-tell.png', 'web_app_cant_tell.png', result);
});

test('the main view with results and the About view have no serious accessibility violations', async ({ page }) => {
  await page.goto('/');
  await upload(page, [pngFile('noise.png', noisePng()), pngFile('blocks.png', blocksPng()), textFile('notes.txt')]);
  await expectVerdict(page, 'noise.png');
  await expectVerdict(page, 'blocks.png');
  await expect(card(page, 'notes.txt').getByText('Not a supported image')).toBeVisible();
  for (const size of WIDTHS) {
    await page.setViewportSize(size);
    await expectAccessible(page, `the main view with results at ${size.width} px`);
  }

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'About the model' }).click();
  await expect(page.getByRole('heading', { name: 'How accurate it is' })).toBeVisible();
  for (const size of WIDTHS) {
    await page.setViewportSize(size);
    await expectAccessible(page, `the About view at ${size.width} px`);
  }
});

test('a text file gets a plain error while the other files are still classified', async ({ page }) => {
  await page.goto('/');
  await upload(page, [textFile('notes.txt'), pngFile('blocks.png', blocksPng())]);
  const error = card(page, 'notes.txt');
  await expect(error.getByText('Not a supported image')).toBeVisible({ timeout: VERDICT_TIMEOUT });
  await expect(error.getByText(/not an image in a supported format/)).toBeVisible();
  await expect(error.getByRole('meter')).toHaveCount(0);
  await expectVerdict(page, 'blocks.png');

  // The app keeps working afterwards.
  await upload(page, [pngFile('later.png', sunsetPng())]);
  await expectVerdict(page, 'later.png');
  await screenshot(page, 'error.png');
});

test('the session history lists results, survives a reload and can be cleared', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByText('No images checked yet in this session.')).toBeVisible();
  await upload(page, [pngFile('first.png', sunsetPng()), pngFile('second.png', blocksPng())]);
  await expectVerdict(page, 'first.png');
  await expectVerdict(page, 'second.png');

  const rows = historyRows(page);
  await expect(rows).toHaveCount(2);
  const names = (await rows.locator('th').allInnerTexts()).map((name) => name.trim());
  expect(new Set(names)).toEqual(new Set(['first.png', 'second.png']));
  await expect(page.getByText(/^2 images: /)).toBeVisible();
  // The thumbnails are made in the browser from the files.
  await expect(rows.first().locator('img')).toHaveAttribute('src', /^data:image\/jpeg;base64,/);
  await page.getByRole('heading', { name: 'Session history' }).scrollIntoViewIfNeeded();
  await screenshot(page, 'history.png');

  await page.reload();
  await expect(rows, 'history is still there after a reload').toHaveCount(2);
  await expect(page.getByRole('article'), 'result cards are not kept').toHaveCount(0);

  await page.getByRole('button', { name: 'Clear history' }).click();
  await expect(page.getByText('No images checked yet in this session.')).toBeVisible();
  expect(await page.evaluate(() => window.sessionStorage.length)).toBe(0);
});

test('the About view shows the model card, its limits and the privacy note', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'About the model' }).click();
  await expect(page.getByRole('heading', { name: 'What it was trained on' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'How accurate it is' })).toBeVisible();
  const model = (await (await page.request.get('/api/model')).json()) as {
    limitations: string[];
    decision: { verdict_rules: string[]; input_kinds: unknown[] };
  };
  // The verdict rules and the kinds of picture are the server's, in its order.
  const rules = page.getByRole('heading', { name: 'How a verdict is decided' }).locator('xpath=..').getByRole('listitem');
  await expect(rules).toHaveText(model.decision.verdict_rules);
  const kinds = page.getByRole('table', { name: 'Measured accuracy of the pixel model per kind of picture' });
  await expect(kinds.locator('tbody tr')).toHaveCount(model.decision.input_kinds.length);
  // The limits are the model card's own, and nothing else.
  const limits = page.getByRole('heading', { name: 'Its limits' }).locator('xpath=..').getByRole('listitem');
  await expect(limits).toHaveText(model.limitations);
  await expect(page.getByText(/No image ever leaves your browser except to this app’s own API/)).toBeVisible();
  for (const plot of await page.locator('.plot img').all()) {
    // The plots load lazily, when scrolled to.
    await plot.scrollIntoViewIfNeeded();
    expect(await naturalWidth(plot), `plot ${await plot.getAttribute('alt')} loads`).toBeGreaterThan(0);
  }
  await screenshot(page, 'about.png');
  await page.goBack();
  await expect(page.getByRole('button', { name: 'Choose images…' })).toBeVisible();
});

test('the API answers in the shapes the client is typed from', async ({ request }) => {
  type Schema = { required: string[]; properties: Record<string, { enum?: string[] }> };
  const spec = (await (await request.get('/api/openapi.json')).json()) as {
    components: { schemas: Record<string, Schema> };
  };
  const schemas = spec.components.schemas;
  for (const field of ['filename', 'label', 'probability_real', 'confidence', 'threshold', 'model_version', 'inference_ms', 'image']) {
    expect(schemas.Prediction.required, `Prediction.${field} is required`).toContain(field);
  }
  expect(schemas.Prediction.properties.label.enum).toEqual(['REAL', 'FAKE']);
  for (const field of ['method', 'grid', 'heatmap_png', 'model_input_png']) {
    expect(schemas.Explanation.required, `Explanation.${field} is required`).toContain(field);
  }
  expect(schemas.Error.required).toEqual(['code', 'name', 'description']);
  for (const field of ['version', 'threshold', 'limitations', 'plots']) {
    expect(schemas.ModelCard.required, `ModelCard.${field} is required`).toContain(field);
  }

  const response = await request.post('/api/predict?explain=1', {
    multipart: { image: { name: 'blocks.png', mimeType: 'image/png', buffer: blocksPng() } },
  });
  expect(response.status()).toBe(200);
  const prediction = (await response.json()) as Record<string, unknown> & { explanation: { heatmap_png: string } };
  // Every field the server sends is in the schema the client's types are generated from.
  for (const key of Object.keys(prediction)) expect(Object.keys(schemas.Prediction.properties)).toContain(key);
  expect(prediction.explanation.heatmap_png).toMatch(/^data:image\/png;base64,/);
  // The combined verdict and its evidence come with every prediction.
  for (const field of ['model_assessment', 'provenance', 'verdict']) expect(prediction, field).toHaveProperty(field);
  const model = (await (await request.get('/api/model')).json()) as { decision: Record<string, unknown>; limitations: unknown };
  for (const field of ['threshold', 'input_size', 'unsure_below', 'verdict_rules', 'input_kinds']) {
    expect(model.decision, `decision.${field}`).toHaveProperty(field);
  }
  expect(Array.isArray(model.limitations)).toBe(true);

  const refused = await request.post('/api/predict', {
    multipart: { image: { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') } },
  });
  expect(refused.status()).toBe(415);
  expect(Object.keys((await refused.json()) as object).sort()).toEqual(['code', 'description', 'name']);
});
