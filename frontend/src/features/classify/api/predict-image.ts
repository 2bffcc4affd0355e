import { apiRequest } from '@/lib/api-client';
import type { Prediction } from '@/types/api';

const isObject = (value: unknown) => typeof value === 'object' && value !== null;

export function isPrediction(data: unknown): data is Prediction {
  if (typeof data !== 'object' || data === null) return false;
  const candidate = data as Partial<Prediction>;
  return (
    (candidate.label === 'REAL' || candidate.label === 'FAKE') &&
    typeof candidate.probability_real === 'number' &&
    typeof candidate.confidence === 'number' &&
    typeof candidate.threshold === 'number' &&
    isObject(candidate.verdict) &&
    isObject(candidate.model_assessment) &&
    isObject(candidate.provenance)
  );
}

/**
 * Classifies one image: one request per file (multipart field `image`), with
 * the Grad-CAM explanation. Rejects with an `ApiError` in plain words.
 * `apiBase` names another server (the browser extension's); by default, the app's own API.
 */
export function predictImage(file: File, signal?: AbortSignal, apiBase = ''): Promise<Prediction> {
  const body = new FormData();
  body.append('image', file, file.name);
  return apiRequest<Prediction>(`${apiBase}/api/predict?explain=1`, {
    method: 'POST',
    body,
    signal,
    validate: isPrediction,
  });
}
