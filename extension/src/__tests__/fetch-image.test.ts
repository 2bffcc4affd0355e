import { delay, http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { fetchImage, type FetchOptions } from '@ext/lib/fetch-image';
import type { ImageSource } from '@ext/lib/image-source';
import { LOCAL_SITE, PNG_BYTES, server } from '@ext/testing/server';

const LIMIT = 1024 * 1024;
const web = (path: string): ImageSource => ({ kind: 'web', url: new URL(`${LOCAL_SITE}${path}`) });
const options: FetchOptions = { limitBytes: LIMIT };
const site = 'http://127.0.0.1:9000';

async function problemOf(source: ImageSource, extra: Partial<FetchOptions> = {}) {
  const fetched = await fetchImage(source, { ...options, ...extra });
  if (fetched.ok) throw new Error('expected a problem');
  return fetched.problem;
}

function serve(path: string, body: BodyInit | null, init: ResponseInit) {
  server.use(http.get(`${site}${path}`, () => new HttpResponse(body, init)));
}

describe('downloading a picture', () => {
  it('keeps the bytes exactly as served, with the name from the address and the type from the answer', async () => {
    const fetched = await fetchImage(web('/photos/sunset.png'), options);
    expect(fetched.ok).toBe(true);
    const { file } = fetched as { file: File };
    expect(file.name).toBe('sunset.png');
    expect(file.type).toBe('image/png');
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(PNG_BYTES);
  });

  it('sends a picture the site serves without naming its format, for the server to read', async () => {
    serve('/raw', PNG_BYTES, { headers: { 'Content-Type': 'application/octet-stream' } });
    const fetched = await fetchImage(web('/raw'), options);
    expect(fetched.ok && fetched.file.type).toBe('');
    expect(fetched.ok && fetched.file.size).toBe(PNG_BYTES.byteLength);
  });

  it('reads a data: picture', async () => {
    const fetched = await fetchImage({ kind: 'data', url: 'data:image/gif;base64,R0lGODlhAQABAAAAACw=' }, options);
    expect(fetched.ok && fetched.file.name).toBe('image.gif');
    expect(fetched.ok && fetched.file.type).toBe('image/gif');
  });
});

describe('each failure in one plain sentence, with nothing sent', () => {
  it('a broken link', async () => {
    serve('/gone.png', 'Not Found', { status: 404 });
    expect(await problemOf(web('/gone.png'))).toEqual({
      title: 'Broken link',
      message: 'There is no picture at this address (HTTP 404): the link is broken.',
      retryable: false,
    });
  });

  it('a site that forbids the download', async () => {
    serve('/private.jpg', null, { status: 403 });
    expect((await problemOf(web('/private.jpg'))).message).toBe(
      'The site 127.0.0.1:9000 refused to give the picture to the extension (HTTP 403); save the picture from the page and upload it in the web app instead.',
    );
  });

  it('any other error status, worth a retry when the site failed', async () => {
    serve('/busy.jpg', null, { status: 503 });
    expect(await problemOf(web('/busy.jpg'))).toMatchObject({
      message: 'The site 127.0.0.1:9000 answered HTTP 503 instead of sending the picture.',
      retryable: true,
    });
  });

  it('an HTML page behind the picture’s address, by its type or by its first bytes', async () => {
    serve('/photo.jpg', '<!doctype html><title>Log in</title>', { headers: { 'Content-Type': 'text/html; charset=utf-8' } });
    expect((await problemOf(web('/photo.jpg'))).title).toBe('A web page, not a picture');
    serve('/untyped.jpg', '\n  <html><body>Soft 404</body></html>', { headers: { 'Content-Type': 'application/octet-stream' } });
    expect((await problemOf(web('/untyped.jpg'))).message).toBe(
      'This address leads to a web page, not to a picture: open the picture itself and check it from there.',
    );
  });

  it('something that is not a picture', async () => {
    serve('/data.json', '{"a": 1}', { headers: { 'Content-Type': 'application/json' } });
    expect((await problemOf(web('/data.json'))).message).toBe('This address serves application/json, not a picture.');
  });

  it('an empty answer', async () => {
    serve('/empty.png', new Uint8Array(0), { headers: { 'Content-Type': 'image/png' } });
    expect((await problemOf(web('/empty.png'))).title).toBe('Empty file');
  });

  it('a picture larger than the upload limit, by its declared size, before reading it', async () => {
    serve('/huge.jpg', new Uint8Array(2048), { headers: { 'Content-Type': 'image/jpeg', 'Content-Length': '3145728' } });
    expect((await problemOf(web('/huge.jpg'))).message).toBe(
      'This picture is 3 MB, more than the 1 MB the server accepts, so it was not sent.',
    );
  });

  it('a picture larger than the upload limit that did not declare its size: the download stops at the limit', async () => {
    let sent = 0;
    server.use(
      http.get(`${site}/stream.jpg`, () => {
        const stream = new ReadableStream<Uint8Array>({
          pull(controller) {
            sent += 16384;
            controller.enqueue(new Uint8Array(16384));
            if (sent >= 4 * LIMIT) controller.close();
          },
        });
        return new HttpResponse(stream, { headers: { 'Content-Type': 'image/jpeg' } });
      }),
    );
    expect((await problemOf(web('/stream.jpg'))).title).toBe('Picture too large');
    expect(sent).toBeLessThan(4 * LIMIT);
  });

  it('a site that does not answer', async () => {
    server.use(http.get(`${site}/down.jpg`, () => HttpResponse.error()));
    expect(await problemOf(web('/down.jpg'))).toEqual({
      title: 'Picture unreachable',
      message: 'The picture could not be downloaded: the site 127.0.0.1:9000 did not answer.',
      retryable: true,
    });
  });

  it('a site that takes too long', async () => {
    server.use(http.get(`${site}/slow.jpg`, async () => {
      await delay(2_000);
      return HttpResponse.arrayBuffer(PNG_BYTES.buffer);
    }));
    expect((await problemOf(web('/slow.jpg'), { timeoutMs: 50 })).message).toBe('The site 127.0.0.1:9000 took too long to send the picture.');
  });

  it('a redirect loop', async () => {
    // As a browser's fetch does: it gives up after 20 redirects with a bare network error;
    // asked not to follow, it shows the redirect. (The e2e tests run a real loop.)
    server.use(
      http.get(`${site}/loop.jpg`, ({ request }) =>
        request.redirect === 'manual'
          ? new HttpResponse(null, { status: 302, headers: { Location: `${site}/loop.jpg` } })
          : HttpResponse.error(),
      ),
    );
    expect(await problemOf(web('/loop.jpg'))).toMatchObject({
      title: 'Too many redirects',
      message:
        'The picture’s address keeps redirecting (a redirect loop, or to a site the extension may not read), so there is no picture to check.',
    });
  });

  it('a malformed data: address', async () => {
    expect((await problemOf({ kind: 'data', url: 'data:image/png;base64' })).title).toBe('Unreadable address');
  });
});

describe('blob: pictures, read inside their page', () => {
  const blob = { kind: 'blob', url: 'blob:https://app.example.org/42', tabId: 3, frameId: 0 } as const;

  it('are sent as read there', async () => {
    const fetched = await fetchImage(blob, {
      ...options,
      readInPage: () => Promise.resolve({ kind: 'read', dataUrl: 'data:image/png;base64,iVBORw0KGgo=' }),
    });
    expect(fetched.ok && fetched.file.name).toBe('image.png');
  });

  it('say so when the page is gone or the picture too large', async () => {
    const gone = await problemOf(blob, { readInPage: () => Promise.resolve({ kind: 'gone' }) });
    expect(gone.title).toBe('Picture no longer there');
    const large = await problemOf(blob, { readInPage: () => Promise.resolve({ kind: 'too-large', size: 5 * 1024 * 1024 }) });
    expect(large.message).toBe('This picture is 5 MB, more than the 1 MB the server accepts, so it was not sent.');
  });

  it('are read in the tab and frame the menu was opened in, within the limit', async () => {
    testExtension.executeScript.mockResolvedValueOnce([{ result: { kind: 'too-large', size: 2 * LIMIT } }]);
    await problemOf(blob);
    expect(testExtension.executeScript).toHaveBeenCalledWith(
      expect.objectContaining({ target: { tabId: 3, frameIds: [0] }, args: [blob.url, LIMIT] }),
    );
    expect((await problemOf({ ...blob, tabId: null })).title).toBe('Picture no longer there');
  });
});
