import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { HANDED_FILE_TYPE } from '@/features/classify/handed-file';
import { HISTORY_KEY } from '@ext/lib/history';
import { resultPageQuery } from '@ext/lib/image-source';
import { postToPage } from '@ext/lib/web-app';
import { ResultPage } from '@ext/result/ResultPage';
import { LOCAL_SITE, PNG_BYTES, server, SERVER_URL, WEB_SITE } from '@ext/testing/server';

/** Counts the requests that reach the person's server. */
function countUploads() {
  const uploads = { count: 0 };
  server.events.on('request:start', ({ request }) => {
    if (request.url.startsWith(`${SERVER_URL}/api/predict`)) uploads.count += 1;
  });
  return uploads;
}

function open(src: string) {
  const user = userEvent.setup();
  render(<ResultPage search={resultPageQuery(src)} />);
  return { user };
}

describe('the result page', () => {
  it('downloads the picture, shows it with the verdict and its evidence, and records it', async () => {
    open(`${LOCAL_SITE}/photos/sunset.png`);
    const card = await screen.findByRole('article', { name: 'sunset.png' });
    expect(await within(card).findByText('Real photo')).toBeInTheDocument();
    expect(within(card).getByRole('heading', { name: 'Evidence' })).toBeInTheDocument();
    expect(within(card).getByText('Content Credentials')).toBeInTheDocument();
    expect(within(card).getByRole('img', { name: 'Preview of sunset.png' })).toHaveAttribute('src', expect.stringMatching(/^blob:/));
    // One picture per page: no remove button.
    expect(within(card).queryByRole('button', { name: /Remove/ })).not.toBeInTheDocument();
    expect(
      screen.getByText(
        'The picture was downloaded from 127.0.0.1:9000 and sent only to your server at http://127.0.0.1:8000; nothing was sent anywhere else.',
      ),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Open in the web app' })).toBeEnabled();
    expect(screen.getByRole('link', { name: 'Save the picture' })).toHaveAttribute('download', 'sunset.png');
    await vi.waitFor(() => expect(testExtension.storage.get(HISTORY_KEY)).toHaveLength(1));
    expect((testExtension.storage.get(HISTORY_KEY) as Array<{ filename: string; label: string }>)[0]).toMatchObject({
      filename: 'sunset.png (127.0.0.1:9000)',
      label: 'REAL',
    });
    expect(document.title).toBe('Real photo: sunset.png · Real or AI?');
  });

  it('opens the web app in a new tab and, once loaded, hands it the same file', async () => {
    const { user } = open(`${LOCAL_SITE}/photos/sunset.png`);
    const card = await screen.findByRole('article', { name: 'sunset.png' });
    await within(card).findByText('Real photo');
    testExtension.executeScript.mockResolvedValueOnce([{ result: true }]);

    await user.click(screen.getByRole('button', { name: 'Open in the web app' }));
    await vi.waitFor(() => expect(testExtension.createTab).toHaveBeenCalledWith({ url: `${SERVER_URL}/` }));
    expect(testExtension.executeScript).not.toHaveBeenCalled();
    testExtension.finishLoading(8);
    expect(testExtension.executeScript).not.toHaveBeenCalled();
    testExtension.finishLoading(7);

    await vi.waitFor(() => expect(testExtension.executeScript).toHaveBeenCalledTimes(1));
    const [{ target, func, args }] = testExtension.executeScript.mock.calls[0] as [
      { target: { tabId: number }; func: unknown; args: string[] },
    ];
    expect(target).toEqual({ tabId: 7 });
    expect(func).toBe(postToPage);
    expect(args).toEqual([SERVER_URL, HANDED_FILE_TYPE, 'sunset.png', 'image/png', btoa(String.fromCharCode(...PNG_BYTES))]);
    expect(screen.queryByText(/did not take the picture/)).not.toBeInTheDocument();
  });

  it('says so when the web app did not take the picture', async () => {
    const { user } = open(`${LOCAL_SITE}/photos/sunset.png`);
    await within(await screen.findByRole('article', { name: 'sunset.png' })).findByText('Real photo');
    testExtension.executeScript.mockRejectedValueOnce(new Error('Cannot access contents of the page'));
    await user.click(screen.getByRole('button', { name: 'Open in the web app' }));
    await vi.waitFor(() => expect(testExtension.createTab).toHaveBeenCalled());
    testExtension.finishLoading(7);
    expect(await screen.findByText(/did not take the picture/)).toBeInTheDocument();
  });

  it('sends the picture to the server set in the options', async () => {
    testExtension.storage.set('settings', { serverUrl: 'http://localhost:8080' });
    server.use(
      http.post('http://localhost:8080/api/predict', () => HttpResponse.json({ code: 503, name: 'x', description: 'y' }, { status: 503 })),
      http.get('http://localhost:8080/api/model', () => HttpResponse.json({}, { status: 503 })),
    );
    open(`${LOCAL_SITE}/a.png`);
    expect(await screen.findByText('Server unavailable')).toBeInTheDocument();
  });

  it('offers reverse image search for “can’t tell”, sending nothing until a link is clicked', async () => {
    testExtension.granted.add(`${WEB_SITE}/*`);
    server.use(
      http.get(`${WEB_SITE}/news/unsure-crowd.jpg`, () =>
        HttpResponse.arrayBuffer(PNG_BYTES.buffer, { headers: { 'Content-Type': 'image/jpeg' } }),
      ),
    );
    open(`${WEB_SITE}/news/unsure-crowd.jpg`);
    const card = await screen.findByRole('article', { name: 'unsure-crowd.jpg' });
    expect(await within(card).findByText('Can’t tell')).toBeInTheDocument();
    const advice = within(card).getByRole('heading', { name: 'What you can do next' }).parentElement!;
    const address = encodeURIComponent(`${WEB_SITE}/news/unsure-crowd.jpg`);
    const links = within(advice).getAllByRole('link');
    expect(links.map((link) => [link.textContent, link.getAttribute('href'), link.getAttribute('target')])).toEqual([
      ['TinEye', `https://tineye.com/search?url=${address}`, '_blank'],
      ['Google Lens', `https://lens.google.com/uploadbyurl?url=${address}`, '_blank'],
      ['Bing Visual Search', `https://www.bing.com/images/search?view=detailv2&iss=sbi&q=imgurl:${address}`, '_blank'],
    ]);
    expect(within(advice).getByText(/sends the picture’s address to that service \(TinEye, Google, Microsoft\)/)).toBeInTheDocument();
  });

  it('says a picture on this machine cannot be searched by its address', async () => {
    open(`${LOCAL_SITE}/unsure-local.png`);
    const card = await screen.findByRole('article', { name: 'unsure-local.png' });
    expect(await within(card).findByText(/cannot look this picture up by its address/)).toBeInTheDocument();
    expect(within(card).queryByRole('link', { name: 'TinEye' })).not.toBeInTheDocument();
  });

  it('asks for access to another site before downloading anything, from a click', async () => {
    const uploads = countUploads();
    server.use(
      http.get(`${WEB_SITE}/cat.png`, () => HttpResponse.arrayBuffer(PNG_BYTES.buffer, { headers: { 'Content-Type': 'image/png' } })),
    );
    const { user } = open(`${WEB_SITE}/cat.png`);
    const allow = await screen.findByRole('button', { name: 'Allow access to https://images.example.org' });
    expect(screen.getByText(/Nothing has been downloaded or sent yet/)).toBeInTheDocument();
    expect(uploads.count).toBe(0);

    await user.click(allow);
    expect(testExtension.request).toHaveBeenCalledWith({ origins: [`${WEB_SITE}/*`] });
    expect(await screen.findByRole('article', { name: 'cat.png' })).toBeInTheDocument();
    expect(await screen.findByText('Real photo')).toBeInTheDocument();
    expect(uploads.count).toBe(1);
  });

  it('downloads and sends nothing when access is refused', async () => {
    testExtension.answerAccess(false);
    const uploads = countUploads();
    const { user } = open(`${WEB_SITE}/cat.png`);
    await user.click(await screen.findByRole('button', { name: /Allow access to/ }));
    expect(await screen.findByText('Access was not allowed, so nothing was downloaded or sent.')).toBeInTheDocument();
    expect(uploads.count).toBe(0);
  });

  it('asks for the server too when it is on another computer', async () => {
    testExtension.storage.set('settings', { serverUrl: 'https://detector.example.net' });
    open(`${LOCAL_SITE}/a.png`);
    expect(await screen.findByRole('button', { name: 'Allow access to https://detector.example.net' })).toBeInTheDocument();
  });

  it('says in one sentence that a link is broken, and sends nothing to the server', async () => {
    const uploads = countUploads();
    server.use(http.get(`${LOCAL_SITE}/missing.png`, () => new HttpResponse('Not Found', { status: 404 })));
    open(`${LOCAL_SITE}/missing.png`);
    expect(await screen.findByText('Broken link')).toBeInTheDocument();
    expect(screen.getByText('There is no picture at this address (HTTP 404): the link is broken.')).toBeInTheDocument();
    expect(screen.queryByRole('article')).not.toBeInTheDocument();
    expect(uploads.count).toBe(0);
    expect(testExtension.storage.has(HISTORY_KEY)).toBe(false);
  });

  it('says when the server is not running, and tries again on request', async () => {
    server.use(http.post(`${SERVER_URL}/api/predict`, () => HttpResponse.error(), { once: true }));
    const { user } = open(`${LOCAL_SITE}/b.png`);
    const card = await screen.findByRole('article', { name: 'b.png' });
    expect(await within(card).findByText('Server unreachable')).toBeInTheDocument();
    await user.click(within(card).getByRole('button', { name: 'Try b.png again' }));
    expect(await screen.findByText('Real photo')).toBeInTheDocument();
  });

  it('explains a missing or unusable address', () => {
    render(<ResultPage search="" />);
    expect(screen.getByText('No picture given')).toBeInTheDocument();
  });

  it('reads a data: picture', async () => {
    open('data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=');
    expect(await screen.findByRole('article', { name: 'image.png' })).toBeInTheDocument();
    expect(await screen.findByText('Real photo')).toBeInTheDocument();
    expect(screen.getByText(/The picture was read from the page and sent only to your server/)).toBeInTheDocument();
  });
});
