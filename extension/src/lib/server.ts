/**
 * The user's detector server, through the web app's own API client: the same
 * request (multipart field `image`, with the Grad-CAM explanation) and the
 * same plain words for its refusals.
 */
import { predictImage } from '@/features/classify/api/predict-image';
import { apiRequest, isAbortError, toProblem, type ApiProblem } from '@/lib/api-client';
import type { Health, Prediction } from '@/types/api';
import { serverUnreachable } from './problems';

/** How long "Test connection" waits for /api/health. */
export const HEALTH_TIMEOUT_MS = 10_000;

export type Checked = { ok: true; result: Prediction } | { ok: false; problem: ApiProblem };

/** Sends the picture, as downloaded, to `serverUrl`/api/predict. */
export async function checkPicture(file: File, serverUrl: string, signal?: AbortSignal): Promise<Checked> {
  try {
    return { ok: true, result: await predictImage(file, signal, serverUrl) };
  } catch (error) {
    if (isAbortError(error)) throw error;
    const problem = toProblem(error);
    // The web app's words assume its own server; here the person chose the address.
    return { ok: false, problem: problem.kind === 'network' ? { ...problem, ...serverUnreachable(serverUrl) } : problem };
  }
}

function isHealth(data: unknown): data is Health {
  const health = data as Partial<Health> | null;
  return typeof health === 'object' && health !== null && health.status === 'ok' && typeof health.model_version === 'string';
}

export interface ConnectionReport {
  ok: boolean;
  /** What was found, in one sentence. */
  message: string;
}

/** Calls `serverUrl`/api/health and says what it found. */
export async function testConnection(serverUrl: string): Promise<ConnectionReport> {
  try {
    const health = await apiRequest<Health>(`${serverUrl}/api/health`, {
      validate: isHealth,
      timeoutMs: HEALTH_TIMEOUT_MS,
    });
    return { ok: true, message: `Connected: the detector at ${serverUrl} is ready (model ${health.model_version}).` };
  } catch (error) {
    const problem = toProblem(error);
    switch (problem.kind) {
      case 'network':
        return { ok: false, message: `No answer from ${serverUrl}: is the server running (make run), and is the address right?` };
      case 'timeout':
        return { ok: false, message: `${serverUrl} did not answer within ${HEALTH_TIMEOUT_MS / 1000} seconds.` };
      case 'not_found':
      case 'unexpected':
        return {
          ok: false,
          message: `${serverUrl} answered, but not as the detector’s API does (/api/health): check the address.`,
        };
      default:
        return { ok: false, message: `${serverUrl} answered with an error: ${problem.message}` };
    }
  }
}
