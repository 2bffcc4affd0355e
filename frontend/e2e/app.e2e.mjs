// Browser tests of the built app served by the real backend with the real model.
// The synthetic images may get either verdict: only the presence of one is checked.
import assert from 'node:assert/strict';
import path from 'node:path';
import { blocksPng, pngFile, sunsetPng, textFile } from './support.mjs';

/** Generous: the first prediction warms TensorFlow up on a small CPU. */
const VERDICT_TIMEOUT = 60_000;
const VERDICT = /^(Real photo|AI-generated)$/;

/**
 * @typedef {import('playwright-core').Page} Page
 * @typedef {{ page: Page, baseUrl: string, artifacts: string }} TestContext
 * @typedef {{ name: string, run: (context: TestContext) => Promise<void> }} E2ETest
 */

/** @param {Page} page @param {string} name */
function card(page, name) {
  return page.getByRole('article', { name, exact: true });
}

/** @param {Page} page @param {string} name */
async function waitForVerdict(page, name) {
  const result = card(page, name);
  await result.locator('.verdict-label').waitFor({ timeout: VERDICT_TIMEOUT });
  const text = (await result.locator('.verdict-label').innerText()).trim();
  assert.match(text, VERDICT, `verdict of ${name}`);
  return result;
}

/** @param {Page} page @param {Array<{ name: string, mimeType: string, buffer: Buffer }>} files */
async function upload(page, files) {
  await page.getByLabel('Choose image files').setInputFiles(files);
}

/** @param {import('playwright-core').Locator} image */
async function naturalWidth(image) {
  return image.evaluate(async (element) => {
    const img = /** @type {HTMLImageElement} */ (element);
    if (!img.complete) await new Promise((resolve) => img.addEventListener('load', resolve, { once: true }));
    return img.naturalWidth;
  });
}

/** @param {Page} page */
function historyRows(page) {
  return page.getByRole('table', { name: /Images checked in this session/ }).locator('tbody tr');
}

/** @type {E2ETest[]} */
export const tests = [
  {
    name: 'the built app loads from the API server',
    async run({ page, baseUrl }) {
      await page.goto(baseUrl);
      assert.equal(await page.title(), 'Real or AI? — AI-generated image detector');
      await page.getByRole('heading', { name: 'Real or AI?' }).waitFor();
      await page.getByRole('button', { name: 'Choose images…' }).waitFor();
      await page.getByText('Your pictures go only to this app’s own server').waitFor();
      const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
      assert.match(policy ?? '', /connect-src 'self'/, 'the page may only connect to its own origin');
    },
  },

  {
    name: 'an uploaded image gets a verdict, a P(REAL) bar and a heatmap toggle',
    async run({ page, baseUrl, artifacts }) {
      await page.goto(baseUrl);
      await upload(page, [pngFile('sunset.png', sunsetPng())]);
      const result = card(page, 'sunset.png');
      // The preview shows at once, before the answer.
      await result.getByRole('img', { name: 'Preview of sunset.png' }).waitFor();
      await waitForVerdict(page, 'sunset.png');

      const meter = result.getByRole('meter', { name: 'Probability that the image is a real photo' });
      const p = Number(await meter.getAttribute('aria-valuenow'));
      assert.ok(p >= 0 && p <= 1, `P(REAL) ${p} is a probability`);
      await result.getByText(/^The model is /).waitFor();
      await result.getByText('0.5 threshold', { exact: true }).waitFor();

      const modelInput = result.getByRole('img', { name: 'The 32 × 32 pixel picture the model analysed' });
      assert.equal(await naturalWidth(modelInput), 32, 'the model input is 32 px wide');

      const toggle = result.getByRole('switch', { name: 'Show heatmap' });
      assert.equal(await toggle.isChecked(), false);
      await toggle.check();
      const overlay = result.getByRole('img', { name: 'Grad-CAM heatmap over sunset.png' });
      await overlay.waitFor();
      assert.equal(await naturalWidth(overlay), 32, 'the heatmap is a 32 px PNG');
      const [previewBox, overlayBox] = await Promise.all([
        result.getByRole('img', { name: 'Preview of sunset.png' }).boundingBox(),
        overlay.boundingBox(),
      ]);
      assert.ok(previewBox && overlayBox, 'both images are laid out');
      assert.ok(Math.abs(previewBox.width - overlayBox.width) < 2 && Math.abs(previewBox.height - overlayBox.height) < 2,
        `heatmap covers the whole image (${JSON.stringify({ previewBox, overlayBox })})`);
      await page.getByRole('status').filter({ hasText: 'sunset.png:' }).waitFor({ state: 'attached' });

      await page.screenshot({ path: path.join(artifacts, 'result.png'), fullPage: true });
      await page.setViewportSize({ width: 375, height: 812 });
      await result.scrollIntoViewIfNeeded();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 375, `no sideways scrolling at phone width (page is ${width} px wide)`);
      await page.screenshot({ path: path.join(artifacts, 'result-mobile.png'), fullPage: true });
    },
  },

  {
    name: 'a text file gets a plain error while the other files are still classified',
    async run({ page, baseUrl, artifacts }) {
      await page.goto(baseUrl);
      await upload(page, [textFile('notes.txt'), pngFile('blocks.png', blocksPng())]);
      const error = card(page, 'notes.txt');
      await error.getByText('Not a supported image').waitFor({ timeout: VERDICT_TIMEOUT });
      await error.getByText(/not an image in a supported format/).waitFor();
      assert.equal(await error.getByRole('meter').count(), 0);
      await waitForVerdict(page, 'blocks.png');

      // The app keeps working afterwards.
      await upload(page, [pngFile('later.png', sunsetPng())]);
      await waitForVerdict(page, 'later.png');
      await page.screenshot({ path: path.join(artifacts, 'error.png'), fullPage: true });
    },
  },

  {
    name: 'the session history lists results, survives a reload and can be cleared',
    async run({ page, baseUrl, artifacts }) {
      await page.goto(baseUrl);
      await page.getByText('No images checked yet in this session.').waitFor();
      await upload(page, [pngFile('first.png', sunsetPng()), pngFile('second.png', blocksPng())]);
      await waitForVerdict(page, 'first.png');
      await waitForVerdict(page, 'second.png');

      const rows = historyRows(page);
      await rows.nth(1).waitFor();
      assert.equal(await rows.count(), 2);
      const names = await rows.locator('th').allInnerTexts();
      assert.deepEqual(new Set(names.map((name) => name.trim())), new Set(['first.png', 'second.png']));
      await page.getByText(/^2 images: /).waitFor();
      // The thumbnails are made in the browser from the files.
      const thumbnail = rows.first().locator('img');
      assert.match((await thumbnail.getAttribute('src')) ?? '', /^data:image\/jpeg;base64,/);
      await page.getByRole('heading', { name: 'Session history' }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(artifacts, 'history.png'), fullPage: true });

      await page.reload();
      await rows.nth(1).waitFor();
      assert.equal(await rows.count(), 2, 'history is still there after a reload');
      assert.equal(await page.getByRole('article').count(), 0, 'result cards are not kept');

      await page.getByRole('button', { name: 'Clear history' }).click();
      await page.getByText('No images checked yet in this session.').waitFor();
      assert.equal(await page.evaluate(() => window.sessionStorage.length), 0);
    },
  },

  {
    name: 'the About view shows the model card, its limits and the privacy note',
    async run({ page, baseUrl, artifacts }) {
      await page.goto(baseUrl);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'About the model' }).click();
      await page.getByRole('heading', { name: 'What it was trained on' }).waitFor();
      await page.getByRole('heading', { name: 'How accurate it is' }).waitFor();
      await page.getByText(/trained only on tiny 32×32 CIFAKE images/).waitFor();
      await page.getByText(/No image ever leaves your browser except to this app’s own API/).waitFor();
      for (const plot of await page.locator('.plot img').all()) {
        assert.ok((await naturalWidth(plot)) > 0, `plot ${await plot.getAttribute('alt')} loads`);
      }
      await page.screenshot({ path: path.join(artifacts, 'about.png'), fullPage: true });
      await page.goBack();
      await page.getByRole('button', { name: 'Choose images…' }).waitFor();
    },
  },

  {
    name: 'the API answers in the shapes the client is typed from',
    async run({ page, baseUrl }) {
      const spec = await (await page.request.get(`${baseUrl}/api/openapi.json`)).json();
      const schemas = spec.components.schemas;
      for (const field of ['filename', 'label', 'probability_real', 'confidence', 'threshold', 'model_version', 'inference_ms', 'image']) {
        assert.ok(schemas.Prediction.required.includes(field), `Prediction.${field} is required`);
      }
      assert.deepEqual(schemas.Prediction.properties.label.enum, ['REAL', 'FAKE']);
      for (const field of ['method', 'grid', 'heatmap_png', 'model_input_png']) {
        assert.ok(schemas.Explanation.required.includes(field), `Explanation.${field} is required`);
      }
      assert.deepEqual(schemas.Error.required, ['code', 'name', 'description']);
      for (const field of ['version', 'threshold', 'limitations', 'plots']) {
        assert.ok(schemas.ModelCard.required.includes(field), `ModelCard.${field} is required`);
      }

      const response = await page.request.post(`${baseUrl}/api/predict?explain=1`, {
        multipart: { image: { name: 'blocks.png', mimeType: 'image/png', buffer: blocksPng() } },
      });
      assert.equal(response.status(), 200);
      const prediction = await response.json();
      assert.deepEqual(Object.keys(prediction).sort(), [...Object.keys(schemas.Prediction.properties)].sort());
      assert.match(prediction.explanation.heatmap_png, /^data:image\/png;base64,/);

      const refused = await page.request.post(`${baseUrl}/api/predict`, {
        multipart: { image: { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') } },
      });
      assert.equal(refused.status(), 415);
      assert.deepEqual(Object.keys(await refused.json()).sort(), ['code', 'description', 'name']);
    },
  },
];
