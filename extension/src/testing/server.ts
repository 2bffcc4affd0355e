/** MSW for the extension's tests: the person's server and the sites pictures come from. No request reaches the network. */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { makePrediction, modelCard } from '@/testing/mocks/data';
import type { Prediction } from '@/types/api';

export const SERVER_URL = 'http://127.0.0.1:8000';
/** A site on the local machine, which the extension may read from install on. */
export const LOCAL_SITE = 'http://127.0.0.1:9000';
/** A site on the web, which it may read only once allowed. */
export const WEB_SITE = 'https://images.example.org';

/** A few bytes that start like a PNG; the mocked server does not read them. */
export const PNG_BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

/** The server's answer, chosen by the start of the file name as in the web app's tests: "unsure…" cannot tell. */
function predictionFor(name: string): Prediction {
  if (name.startsWith('unsure')) return makePrediction(0.55, { filename: name });
  return makePrediction(0.97, { filename: name });
}

export const handlers = [
  http.post(`${SERVER_URL}/api/predict`, async ({ request }) => {
    const upload = (await request.formData()).get('image');
    if (!(upload instanceof File)) return HttpResponse.json({ code: 400, name: 'Bad Request', description: 'no image' }, { status: 400 });
    return HttpResponse.json(predictionFor(upload.name));
  }),
  http.get(`${SERVER_URL}/api/model`, () => HttpResponse.json(modelCard)),
  http.get(`${SERVER_URL}/api/health`, () =>
    HttpResponse.json({ status: 'ok', model_loaded: true, model_version: '2026.11.22' }),
  ),
  http.get(`${LOCAL_SITE}/*`, () =>
    HttpResponse.arrayBuffer(PNG_BYTES.buffer, { headers: { 'Content-Type': 'image/png' } }),
  ),
];

export const server = setupServer(...handlers);
