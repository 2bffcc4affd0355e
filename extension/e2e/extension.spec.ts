// The unpacked extension in Chromium, checking pictures from a page on another origin with the
// real server and the shipped model. The drawn pictures may get any verdict: the tests compare
// what the page shows with what the server answered for the same bytes.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIRequestContext, Locator, Page } from '@playwright/test';
import { graveViolations, historyRows } from '../../frontend/e2e/support';
import { expect, test, type TestSite } from './fixtures';

/** Generous: the first prediction warms TensorFlow up on a small CPU. */
const VERDICT_TIMEOUT = 60_000;
const LABEL_TEXT = { REAL: 'Real photo', FAKE: 'AI-generated', UNSURE: 'Can’t tell' } as const;
const artifacts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results');

interface Verdict {
  label: keyof typeof LABEL_TEXT;
  summary: string;
}

/** The address of a picture on the test page, as the page shows it (for srcset, the candidate chosen). */
async function shownSource(page: Page, site: TestSite, id: string): Promise<string> {
  await page.goto(`${site.origin}/page.html`);
  const image = page.locator(`#${id}`);
  return image.evaluate(async (element: HTMLImageElement) => {
    if (!element.complete) await new Promise((resolve) => element.addEventListener('loadend', resolve, { once: true }));
    return element.currentSrc;
  });
}

/** Opens the result page for a picture, as the context menu does, and records every request it makes. */
async function openResult(page: Page, extensionId: string, src: string): Promise<string[]> {
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(`chrome-extension://${extensionId}/result.html?src=${encodeURIComponent(src)}`);
  return requests;
}

/** What the server itself answers for the same bytes. */
async function serverVerdict(request: APIRequestContext, site: TestSite, picturePath: string, name: string): Promise<Verdict> {
  const bytes = await (await request.get(`${site.origin}${picturePath}`)).body();
  const answer = await request.post('/api/predict', { multipart: { image: { name, mimeType: 'image/png', buffer: bytes } } });
  expect(answer.ok()).toBe(true);
  return ((await answer.json()) as { verdict: Verdict }).verdict;
}

function resultCard(page: Page, name: string): Locator {
  return page.getByRole('article', { name, exact: true });
}

/** Every request went to the picture's site, the person's server, or stayed inside the browser. */
function expectOnlyTo(requests: string[], origins: string[]) {
  const elsewhere = requests.filter((url) => {
    const { protocol, origin } = new URL(url);
    return !['chrome-extension:', 'data:', 'blob:'].includes(protocol) && !origins.includes(origin);
  });
  expect(elsewhere, 'requests to anywhere but the picture’s site and the server').toEqual([]);
}

/** Saves a full-page screenshot in test-results/ and, with E2E_SCREENSHOT_DIR, a copy for the docs. */
async function screenshot(page: Page, name: string, docsName?: string) {
  mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, name);
  await page.screenshot({ path: file, fullPage: true });
  const docsDir = process.env.E2E_SCREENSHOT_DIR;
  if (docsDir && docsName) {
    mkdirSync(docsDir, { recursive: true });
    copyFileSync(file, path.join(docsDir, docsName));
  }
}

/** Fails on any serious or critical axe-core violation on the page. */
async function expectAccessible(page: Page, where: string) {
  expect(await graveViolations(page), `serious or critical accessibility violations on ${where}`).toEqual([]);
}

test('the extension starts with its context menu entry on pictures', async ({ extension }) => {
  const worker = extension.serviceWorkers()[0];
  // update() fails for an entry that does not exist.
  await worker.evaluate(() => chrome.contextMenus.update('check-image', { title: 'Check with Real or AI?' }));
});

test('a picture from a page on another origin: the server’s verdict and evidence, the picture, nothing sent elsewhere', async ({
  page,
  extensionId,
  site,
  baseURL,
  request,
}) => {
  const src = await shownSource(page, site, 'plain');
  expect(src).toBe(`${site.origin}/sunset.png`);
  const requests = await openResult(page, extensionId, src);
  const card = resultCard(page, 'sunset.png');
  const expected = await serverVerdict(request, site, '/sunset.png', 'sunset.png');
  await expect(card.locator('.verdict-label')).toHaveText(LABEL_TEXT[expected.label], { timeout: VERDICT_TIMEOUT });
  await expect(card.locator('.verdict-sentence')).toHaveText(expected.summary);
  const evidence = card.getByRole('list', { name: 'Evidence' });
  for (const line of ['Content Credentials', 'Generator metadata', 'Camera metadata', 'Pixel model']) {
    await expect(evidence.getByRole('listitem', { name: line })).toBeVisible();
  }
  await expect(card.getByRole('img', { name: 'Preview of sunset.png' })).toBeVisible();
  await expect(card.getByText('Your image · 160×96 PNG')).toBeVisible();
  await expect(page.getByText(`sent only to your server at ${baseURL}`)).toBeVisible();
  await expect(page).toHaveTitle(`${LABEL_TEXT[expected.label]}: sunset.png · Real or AI?`);
  expectOnlyTo(requests, [site.origin, baseURL!]);

  await expectAccessible(page, 'the result page');
  await screenshot(page, 'result.png', 'extension-result.png');
});

test('“Open in the web app” hands the same file to the web app, which checks it itself beside its history', async ({
  page,
  extension,
  extensionId,
  site,
  baseURL,
  request,
}) => {
  await openResult(page, extensionId, await shownSource(page, site, 'plain'));
  const expected = await serverVerdict(request, site, '/sunset.png', 'sunset.png');
  await expect(resultCard(page, 'sunset.png').locator('.verdict-label')).toHaveText(LABEL_TEXT[expected.label], {
    timeout: VERDICT_TIMEOUT,
  });

  const opened = extension.waitForEvent('page');
  await page.getByRole('button', { name: 'Open in the web app' }).click();
  const webApp = await opened;
  await webApp.waitForURL(`${baseURL}/`);
  const card = resultCard(webApp, 'sunset.png');
  await expect(card.locator('.verdict-label')).toHaveText(LABEL_TEXT[expected.label], { timeout: VERDICT_TIMEOUT });
  await expect(card.locator('.verdict-sentence')).toHaveText(expected.summary);
  await expect(card.getByText('Your image · 160×96 PNG')).toBeVisible();
  await expect(historyRows(webApp).first()).toContainText('sunset.png');
  await webApp.close();
});

test('for srcset the picture checked is the one the page shows', async ({ page, extensionId, site }) => {
  const src = await shownSource(page, site, 'responsive');
  expect(src, 'the 160 px candidate for a 160 px slot').toBe(`${site.origin}/wide.png`);
  await openResult(page, extensionId, src);
  await expect(resultCard(page, 'wide.png').getByText('Your image · 160×96 PNG')).toBeVisible({ timeout: VERDICT_TIMEOUT });
});

test('a data: picture is read from its address', async ({ page, extensionId, site, baseURL }) => {
  const src = await shownSource(page, site, 'data');
  expect(src).toMatch(/^data:image\/png;base64,/);
  const requests = await openResult(page, extensionId, src);
  const card = resultCard(page, 'image.png');
  await expect(card.locator('.verdict-label')).toHaveText(/^(Real photo|AI-generated|Can’t tell)$/, { timeout: VERDICT_TIMEOUT });
  await expect(card.getByText('Your image · 64×64 PNG')).toBeVisible();
  expectOnlyTo(requests, [baseURL!]);
});

test('a picture signed with Content Credentials: the original bytes reach the server, credentials and all', async ({
  page,
  extensionId,
  site,
}) => {
  await openResult(page, extensionId, await shownSource(page, site, 'signed'));
  const card = resultCard(page, 'signed-by-test.jpg');
  // The test's own certificate is on no trust list: AI-generated by the file's own declaration.
  await expect(card.locator('.verdict-label')).toHaveText('AI-generated', { timeout: VERDICT_TIMEOUT });
  await expect(card.locator('.verdict').getByText('Declared in the file')).toBeVisible();
  const credentials = card.getByRole('list', { name: 'Evidence' }).getByRole('listitem', { name: 'Content Credentials' });
  await expect(credentials).toContainText('Present, signer not on a trust list');
  await expect(credentials.getByText('Example Generator Inc. (certificate “Test Generator Signer”)')).toBeVisible();
});

test('a broken link gets one plain sentence, and nothing goes to the server', async ({ page, extensionId, site, baseURL }) => {
  const src = await shownSource(page, site, 'broken');
  const requests = await openResult(page, extensionId, src);
  await expect(page.getByText('There is no picture at this address (HTTP 404): the link is broken.')).toBeVisible();
  await expect(page.getByRole('article')).toHaveCount(0);
  expect(requests.filter((url) => url.startsWith(baseURL!))).toEqual([]);
  await screenshot(page, 'broken-link.png');
});

test('a web page behind a picture’s address, and a redirect loop, get their sentences', async ({ page, extensionId, site, baseURL }) => {
  let requests = await openResult(page, extensionId, `${site.origin}/article.jpg`);
  await expect(
    page.getByText('This address leads to a web page, not to a picture: open the picture itself and check it from there.'),
  ).toBeVisible();
  expect(requests.filter((url) => url.startsWith(baseURL!))).toEqual([]);

  requests = await openResult(page, extensionId, `${site.origin}/loop.jpg`);
  await expect(page.getByText(/^The picture’s address keeps redirecting/)).toBeVisible({ timeout: 30_000 });
  expect(requests.filter((url) => url.startsWith(baseURL!))).toEqual([]);
});

test('a picture from a host not yet allowed waits for a click, and downloads nothing before', async ({
  page,
  extensionId,
  site,
}) => {
  const before = site.requests.length;
  await openResult(page, extensionId, 'https://images.example.org/cat.jpg');
  await expect(page.getByRole('button', { name: 'Allow access to https://images.example.org' })).toBeVisible();
  await expect(page.getByText(/Nothing has been downloaded or sent yet/)).toBeVisible();
  expect(site.requests.length).toBe(before);
  await screenshot(page, 'needs-access.png');
});

test('the options page tests the connection, and has no serious accessibility violations', async ({
  page,
  extensionId,
  baseURL,
}) => {
  await page.goto(`chrome-extension://${extensionId}/options.html`);
  const address = page.getByLabel('Server address');
  await expect(address).toHaveValue(baseURL!);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByRole('status')).toHaveText(new RegExp(`^Connected: the detector at ${baseURL} is ready \\(model .+\\)\\.$`));
  // The checks of the other tests are listed.
  await expect(page.getByRole('table', { name: 'Pictures checked with the extension, newest first' })).toContainText('sunset.png');
  await expectAccessible(page, 'the options page');
  await screenshot(page, 'options.png');
});

test('the API stays closed to web pages: a page on another origin cannot read its answers', async ({ page, site, baseURL }) => {
  await page.goto(`${site.origin}/page.html`);
  const outcome = await page.evaluate(async (server) => {
    try {
      await (await fetch(`${server}/api/health`)).json();
      return 'read';
    } catch {
      return 'refused';
    }
  }, baseURL);
  expect(outcome).toBe('refused');
});
