import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { makePrediction } from '@/testing/mocks/data';
import { checkPicture, testConnection } from '@ext/lib/server';
import { PNG_BYTES, server, SERVER_URL } from '@ext/testing/server';

const picture = () => new File([PNG_BYTES], 'sunset.png', { type: 'image/png' });

describe('checking a picture with the person’s server', () => {
  it('sends the original bytes and file name in the API’s `image` field, with the explanation', async () => {
    let seen: { explain: string | null; name: string; bytes: Uint8Array } | null = null;
    server.use(
      http.post(`${SERVER_URL}/api/predict`, async ({ request }) => {
        const upload = (await request.formData()).get('image') as File;
        seen = {
          explain: new URL(request.url).searchParams.get('explain'),
          name: upload.name,
          bytes: new Uint8Array(await upload.arrayBuffer()),
        };
        return HttpResponse.json(makePrediction(0.97, { filename: upload.name }));
      }),
    );
    const checked = await checkPicture(picture(), SERVER_URL);
    expect(checked.ok && checked.result.verdict.label).toBe('REAL');
    expect(seen).toEqual({ explain: '1', name: 'sunset.png', bytes: PNG_BYTES });
  });

  it('says which server did not answer, and what to do', async () => {
    server.use(http.post(`${SERVER_URL}/api/predict`, () => HttpResponse.error()));
    const checked = await checkPicture(picture(), SERVER_URL);
    expect(!checked.ok && checked.problem).toMatchObject({
      title: 'Server unreachable',
      message: 'Your server at http://127.0.0.1:8000 did not answer: start it (make run), or set its address in the extension’s options.',
    });
  });

  it('keeps the web app’s words for the server’s refusals', async () => {
    server.use(
      http.post(`${SERVER_URL}/api/predict`, () =>
        HttpResponse.json({ code: 415, name: 'Unsupported Media Type', description: 'PSD files are not supported.' }, { status: 415 }),
      ),
    );
    const checked = await checkPicture(picture(), SERVER_URL);
    expect(!checked.ok && checked.problem.title).toBe('Not a supported image');
    expect(!checked.ok && checked.problem.message).toMatch(/^PSD files are not supported\. Send a JPEG, PNG/);
  });
});

describe('Test connection', () => {
  it('says the detector is ready, with its model version', async () => {
    expect(await testConnection(SERVER_URL)).toEqual({
      ok: true,
      message: 'Connected: the detector at http://127.0.0.1:8000 is ready (model 2026.11.22).',
    });
  });

  it('tells no answer from another site’s answer', async () => {
    server.use(http.get(`${SERVER_URL}/api/health`, () => HttpResponse.error()));
    expect(await testConnection(SERVER_URL)).toEqual({
      ok: false,
      message: 'No answer from http://127.0.0.1:8000: is the server running (make run), and is the address right?',
    });
    server.use(http.get(`${SERVER_URL}/api/health`, () => new HttpResponse('<h1>Welcome to nginx</h1>', { status: 404 })));
    expect((await testConnection(SERVER_URL)).message).toBe(
      'http://127.0.0.1:8000 answered, but not as the detector’s API does (/api/health): check the address.',
    );
    server.use(http.get(`${SERVER_URL}/api/health`, () => HttpResponse.json({ hello: 'world' })));
    expect((await testConnection(SERVER_URL)).ok).toBe(false);
  });
});
