import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { apiRequest, apiUrl, ApiError, describeFailure, fileTooLarge } from '@/lib/api-client';
import { server } from '@/testing/mocks/server';

async function problemOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApiError);
  return (error as ApiError).toProblem();
}

describe('apiRequest', () => {
  it('resolves with the JSON body of a successful answer', async () => {
    await expect(apiRequest('/api/health')).resolves.toEqual({
      status: 'ok',
      model_loaded: true,
      model_version: '2026.11.22',
    });
  });

  it('calls the API on the page origin by default', () => {
    expect(apiUrl('/api/model')).toBe(`${window.location.origin}/api/model`);
    expect(apiUrl('https://elsewhere.example/x.png')).toBe('https://elsewhere.example/x.png');
  });

  it('uses the server JSON description for a 415 and adds the formats that work', async () => {
    server.use(
      http.get('/api/health', () =>
        HttpResponse.json(
          { code: 415, name: 'Unsupported Media Type', description: 'The file is not an image in a supported format.' },
          { status: 415 },
        ),
      ),
    );
    expect(await problemOf(apiRequest('/api/health'))).toEqual({
      kind: 'not_image',
      status: 415,
      title: 'Not a supported image',
      message:
        'The file is not an image in a supported format. Send a JPEG, PNG, WebP, HEIC/HEIF, AVIF, GIF, BMP or TIFF picture.',
      retryable: false,
    });
  });

  it('explains an HTML 413 page from a proxy by its status', async () => {
    server.use(
      http.get('/api/health', () =>
        HttpResponse.html('<html><body><h1>413 Request Entity Too Large</h1>nginx</body></html>', { status: 413 }),
      ),
    );
    const problem = await problemOf(apiRequest('/api/health'));
    expect(problem.kind).toBe('too_large');
    expect(problem.title).toBe('File too large');
    expect(problem.message).toMatch(/larger than the server accepts \(up to 64 MB per upload\)/);
    expect(problem.retryable).toBe(false);
  });

  it('explains an HTML 429 page as a rate limit that can be retried', async () => {
    server.use(http.get('/api/health', () => HttpResponse.text('Too Many Requests', { status: 429 })));
    const problem = await problemOf(apiRequest('/api/health'));
    expect(problem).toMatchObject({ kind: 'rate_limited', status: 429, title: 'Too many requests', retryable: true });
    expect(problem.message).toMatch(/wait a few seconds/i);
  });

  it('reports a network failure as an unreachable server', async () => {
    server.use(http.get('/api/health', () => HttpResponse.error()));
    const problem = await problemOf(apiRequest('/api/health'));
    expect(problem).toMatchObject({ kind: 'network', status: null, title: 'Server unreachable', retryable: true });
  });

  it('reports a 200 that is not JSON as an unexpected answer', async () => {
    server.use(http.get('/api/health', () => HttpResponse.html('<!doctype html><title>app</title>')));
    const problem = await problemOf(apiRequest('/api/health'));
    expect(problem).toMatchObject({ kind: 'unexpected', status: 200, title: 'Unexpected answer' });
  });

  it('rejects JSON of the wrong shape when a validator is given', async () => {
    const validate = (data: unknown): data is { ok: true } => (data as { ok?: unknown }).ok === true;
    const problem = await problemOf(apiRequest('/api/health', { validate }));
    expect(problem.kind).toBe('unexpected');
  });

  it('gives up after the timeout', async () => {
    server.use(http.get('/api/health', () => new Promise<Response>(() => {})));
    const problem = await problemOf(apiRequest('/api/health', { timeoutMs: 20 }));
    expect(problem).toMatchObject({ kind: 'timeout', title: 'No answer in time', retryable: true });
  });

  it('rejects with an AbortError, not an ApiError, when the caller cancels', async () => {
    server.use(http.get('/api/health', () => new Promise<Response>(() => {})));
    const controller = new AbortController();
    const request = apiRequest('/api/health', { signal: controller.signal });
    controller.abort();
    await expect(request).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('describeFailure', () => {
  it.each([
    [400, 'bad_request', 'Upload problem', false],
    [404, 'not_found', 'Not found', false],
    [422, 'too_many_pixels', 'Image too big', false],
    [500, 'server', 'Server error', true],
    [502, 'unavailable', 'Server unavailable', true],
    [503, 'unavailable', 'Server unavailable', true],
    [418, 'bad_request', 'Request refused', false],
  ] as const)('maps HTTP %i without a JSON body to %s', (status, kind, title, retryable) => {
    const problem = describeFailure({ type: 'http', status, body: undefined });
    expect(problem).toMatchObject({ kind, status, title, retryable });
    expect(problem.message.length).toBeGreaterThan(20);
  });

  it.each([
    ['no description', undefined, 'This file is not an image the detector can read. Send a JPEG, PNG, WebP, HEIC/HEIF, AVIF, GIF, BMP or TIFF picture.'],
    [
      'a damaged file',
      'The image data is corrupt or truncated.',
      'The image data is corrupt or truncated. Send a JPEG, PNG, WebP, HEIC/HEIF, AVIF, GIF, BMP or TIFF picture.',
    ],
    [
      'the server already listing them',
      'The file is not an image in a supported format. Send a JPEG, PNG, WebP, HEIC/HEIF, AVIF, GIF, BMP or TIFF picture.',
      'The file is not an image in a supported format. Send a JPEG, PNG, WebP, HEIC/HEIF, AVIF, GIF, BMP or TIFF picture.',
    ],
  ])('says which formats work when a 415 has %s', (_what, description, message) => {
    const body = description === undefined ? undefined : { code: 415, name: 'Unsupported Media Type', description };
    expect(describeFailure({ type: 'http', status: 415, body }).message).toBe(message);
  });

  it('keeps the server description of a 422 and suggests a smaller copy', () => {
    const problem = describeFailure({
      type: 'http',
      status: 422,
      body: { code: 422, name: 'Unprocessable Entity', description: 'The image has 60,000,000 pixels; the limit is 50,000,000.' },
    });
    expect(problem.message).toBe(
      'The image has 60,000,000 pixels; the limit is 50,000,000. Try a smaller copy of the picture.',
    );
  });

  it('describes a file refused before upload with its size and the limit', () => {
    expect(fileTooLarge(25 * 1024 * 1024, 20 * 1024 * 1024).message).toBe(
      'This file is 25 MB; the limit is 20 MB. Try a smaller or more compressed copy.',
    );
  });
});
