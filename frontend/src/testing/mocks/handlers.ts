import { http, HttpResponse } from 'msw';
import { errorBody, makePrediction, modelCard } from './data';

/**
 * Default API behaviour for tests, decided by the uploaded file's name:
 * "fake…" → AI-generated, "unsure…" → P(REAL) 0.55, a non-image → 415,
 * anything else → a confident real photo. Tests override with `server.use`.
 */
export const handlers = [
  http.post('/api/predict', async ({ request }) => {
    const url = new URL(request.url);
    const form = await request.formData();
    const files = form.getAll('image');
    if (files.length !== 1 || typeof files[0] === 'string') {
      return HttpResponse.json(errorBody(400, 'Bad Request', "Send one file in a field named 'image'."), { status: 400 });
    }
    const file = files[0];
    if (!file.type.startsWith('image/')) {
      return HttpResponse.json(
        errorBody(415, 'Unsupported Media Type', 'The file is not an image in a supported format (JPEG, PNG, GIF, WEBP, BMP, TIFF).'),
        { status: 415 },
      );
    }
    const name = file.name.toLowerCase();
    const probability = name.startsWith('fake') ? 0.04 : name.startsWith('unsure') ? 0.55 : 0.97;
    const prediction = makePrediction(probability, { filename: file.name });
    if (url.searchParams.get('explain') !== '1') delete prediction.explanation;
    return HttpResponse.json(prediction);
  }),
  http.get('/api/model', () => HttpResponse.json(modelCard)),
  http.get('/api/health', () => HttpResponse.json({ status: 'ok', model_loaded: true, model_version: '2026.11.22' })),
];
