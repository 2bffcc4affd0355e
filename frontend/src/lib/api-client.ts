/**
 * The one module that talks to the network: every call to the detector's
 * JSON API goes through `apiRequest`, and every failure becomes an
 * `ApiError` carrying a plain-language message for people.
 */
import { env } from '@/config/env';
import { formatMegabytes } from '@/lib/format';
import { SUPPORTED_FORMATS_TEXT } from '@/lib/formats';
import type { ApiErrorBody } from '@/types/api';

/** How long one request may take before the app gives up on it. */
export const REQUEST_TIMEOUT_MS = 60_000;

export type ApiErrorKind =
  | 'network'
  | 'timeout'
  | 'too_large'
  | 'not_image'
  | 'too_many_pixels'
  | 'rate_limited'
  | 'bad_request'
  | 'not_found'
  | 'unavailable'
  | 'server'
  | 'unexpected';

/** What went wrong, in words a person can act on. */
export interface ApiProblem {
  kind: ApiErrorKind;
  /** HTTP status, or null when no answer came back. */
  status: number | null;
  /** A short heading, e.g. "File too large". */
  title: string;
  /** One or two plain sentences. */
  message: string;
  /** Whether trying the same request again may work. */
  retryable: boolean;
}

/** A failed request that was not cancelled by the app itself. */
export type Failure =
  | { type: 'http'; status: number; body: unknown }
  | { type: 'network' }
  | { type: 'timeout' }
  | { type: 'invalid-response'; status: number };

export class ApiError extends Error implements ApiProblem {
  readonly kind: ApiErrorKind;
  readonly status: number | null;
  readonly title: string;
  readonly retryable: boolean;

  constructor(problem: ApiProblem) {
    super(problem.message);
    this.name = 'ApiError';
    this.kind = problem.kind;
    this.status = problem.status;
    this.title = problem.title;
    this.retryable = problem.retryable;
  }

  toProblem(): ApiProblem {
    const { kind, status, title, message, retryable } = this;
    return { kind, status, title, message, retryable };
  }
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as ApiErrorBody).description === 'string' &&
    (body as ApiErrorBody).description.trim() !== ''
  );
}

/**
 * Maps a failed request to a plain-language problem: the server's JSON
 * `description` when it sent one, otherwise a message chosen by HTTP status
 * (proxies such as nginx answer 413 or 429 with an HTML page), or by the kind
 * of failure when no answer came at all.
 */
export function describeFailure(failure: Failure): ApiProblem {
  switch (failure.type) {
    case 'network':
      return {
        kind: 'network',
        status: null,
        title: 'Server unreachable',
        message:
          'Could not reach the detector server. Check your internet connection and try again; if it keeps failing, the service may be down.',
        retryable: true,
      };
    case 'timeout':
      return {
        kind: 'timeout',
        status: null,
        title: 'No answer in time',
        message: 'The server took too long to answer. Try again in a moment.',
        retryable: true,
      };
    case 'invalid-response':
      return {
        kind: 'unexpected',
        status: failure.status,
        title: 'Unexpected answer',
        message:
          'The server sent an answer this page does not understand, so the image could not be checked. The API address may be wrong.',
        retryable: true,
      };
    case 'http':
      return describeHttpError(failure.status, failure.body);
  }
}

function describeHttpError(status: number, body: unknown): ApiProblem {
  const description = isErrorBody(body) ? body.description.trim() : '';
  const problem = (
    kind: ApiErrorKind,
    title: string,
    message: string,
    retryable = false,
  ): ApiProblem => ({ kind, status, title, message, retryable });

  switch (status) {
    case 400:
      return problem('bad_request', 'Upload problem', description || 'The server could not read this upload.');
    case 404:
      return problem(
        'not_found',
        'Not found',
        description || 'The server does not know this address. The API address may be wrong.',
      );
    case 413:
      return problem(
        'too_large',
        'File too large',
        `The file is larger than the server accepts (up to ${formatMegabytes(env.maxUploadBytes)} per upload). Try a smaller or more compressed copy.`,
      );
    case 415:
      return problem('not_image', 'Not a supported image', withFormats(description));
    case 422:
      return problem(
        'too_many_pixels',
        'Image too big',
        `${description || 'The image has too many pixels for the server to process.'} Try a smaller copy of the picture.`,
      );
    case 429:
      return problem(
        'rate_limited',
        'Too many requests',
        'The server is receiving too many requests right now. Wait a few seconds, then try again.',
        true,
      );
    case 502:
    case 503:
    case 504:
      return problem(
        'unavailable',
        'Server unavailable',
        'The detector service is not answering right now. Try again in a moment.',
        true,
      );
    default:
      if (status >= 500) {
        return problem(
          'server',
          'Server error',
          'Something went wrong on the server while handling this request. Try again later.',
          true,
        );
      }
      return problem(
        'bad_request',
        'Request refused',
        description || `The server refused the request (HTTP ${status}).`,
      );
  }
}

/** The server's reason a file was not read, followed by what would work (unless it says so already). */
function withFormats(description: string | undefined): string {
  const works = `Send a ${SUPPORTED_FORMATS_TEXT} picture.`;
  if (!description) return `This file is not an image the detector can read. ${works}`;
  return description.includes(SUPPORTED_FORMATS_TEXT) ? description : `${description} ${works}`;
}

/** The problem for a file refused before upload because it is over the size limit. */
export function fileTooLarge(sizeBytes: number, limitBytes = env.maxUploadBytes): ApiProblem {
  return {
    kind: 'too_large',
    status: null,
    title: 'File too large',
    message: `This file is ${formatMegabytes(sizeBytes)}; the limit is ${formatMegabytes(limitBytes)}. Try a smaller or more compressed copy.`,
    retryable: false,
  };
}

/** Absolute URL of an API path such as `/api/model`, honouring VITE_API_URL. */
export function apiUrl(path: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return path;
  return new URL(`${env.apiUrl}${path}`, window.location.href).toString();
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** Turns anything thrown by `apiRequest` into a problem to show. */
export function toProblem(error: unknown): ApiProblem {
  if (error instanceof ApiError) return error.toProblem();
  return describeFailure({ type: 'network' });
}

export interface RequestOptions<T> {
  method?: 'GET' | 'POST';
  body?: BodyInit;
  /** Cancels the request; an aborted request rejects with an AbortError. */
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Checks the JSON of a successful answer; a mismatch is an "unexpected answer" error. */
  validate?: (data: unknown) => data is T;
}

/**
 * Sends one request to the API and resolves with its JSON body.
 * Rejects with `ApiError` (plain-language message) or, when `signal` aborts,
 * with the abort error.
 */
export async function apiRequest<T>(path: string, options: RequestOptions<T> = {}): Promise<T> {
  const { method = 'GET', body, signal, timeoutMs = REQUEST_TIMEOUT_MS, validate } = options;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const forwardAbort = () => controller.abort();
  if (signal?.aborted) controller.abort();
  signal?.addEventListener('abort', forwardAbort);

  const fail = (failure: Failure): never => {
    throw new ApiError(describeFailure(failure));
  };

  try {
    let response: Response;
    let text: string;
    try {
      response = await fetch(apiUrl(path), {
        method,
        body,
        signal: controller.signal,
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
      });
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw error;
      return fail({ type: timedOut ? 'timeout' : 'network' });
    }

    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
    if (!response.ok) return fail({ type: 'http', status: response.status, body: data });
    if (data === undefined || (validate && !validate(data))) {
      return fail({ type: 'invalid-response', status: response.status });
    }
    return data as T;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', forwardAbort);
  }
}
