/**
 * Downloads the picture's original bytes, as the page's site serves them, and
 * checks the answer before anything is sent to the server: the HTTP status,
 * the type (a web page is not a picture) and the size (the upload limit).
 */
import {
  badDataAddress,
  blobUnreadable,
  emptyFile,
  htmlPage,
  imageHttpError,
  imageTimedOut,
  imageUnreachable,
  notAnImage,
  redirectProblem,
  tooLarge,
  type Problem,
} from './problems';
import { fileNameFor, type ImageSource } from './image-source';
import { readBlobInPage, type PageRead } from './page-blob';

/** How long the image host may take to send the picture. */
export const IMAGE_TIMEOUT_MS = 60_000;

export type Fetched = { ok: true; file: File } | { ok: false; problem: Problem };

export interface FetchOptions {
  /** Larger pictures are not sent (the server would refuse them). */
  limitBytes: number;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Reads a blob: picture inside its page. */
  readInPage?: (source: Extract<ImageSource, { kind: 'blob' }>, limitBytes: number) => Promise<PageRead>;
}

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);
/** Types under which servers send pictures without naming the format; the server reads the bytes. */
const UNNAMED_BINARY = new Set(['application/octet-stream', 'binary/octet-stream']);

const failed = (problem: Problem): Fetched => ({ ok: false, problem });

/** Drops an answer's body unread (the connection may close in its own time). */
function discard(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

/** "image/jpeg" from "image/JPEG; charset=binary"; "" when there is no type. */
export function mediaTypeOf(header: string | null): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

/** Whether bytes sent without an image type begin like an HTML page. */
export function looksLikeHtml(bytes: Uint8Array): boolean {
  const start = new TextDecoder().decode(bytes.subarray(0, 512)).replace(/^\uFEFF/, '').trimStart().toLowerCase();
  return start.startsWith('<!doctype html') || start.startsWith('<html') || start.startsWith('<head');
}

/** The body's bytes, or null as soon as there are more than `limit` (the rest is not read). */
async function readAtMost(response: Response, limit: number): Promise<Uint8Array | null> {
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      // Stop the download without waiting for the connection to close.
      reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Whether the address answers with a redirect: after fetch gave up on
 * following redirects (it stops at 20 with a bare TypeError), this tells a
 * redirect loop from a host that is down.
 */
async function redirects(url: string, signal?: AbortSignal): Promise<boolean> {
  try {
    const probe = await fetch(url, { redirect: 'manual', credentials: 'include', signal });
    discard(probe);
    return probe.type === 'opaqueredirect' || (probe.status >= 300 && probe.status < 400);
  } catch {
    return false;
  }
}

/** The checks on an answer that came back: status, type, size, then the bytes. */
async function readAnswer(response: Response, source: ImageSource, host: string, limit: number): Promise<Fetched> {
  if (!response.ok) {
    discard(response);
    return failed(imageHttpError(response.status, host));
  }
  const mediaType = mediaTypeOf(response.headers.get('content-type'));
  const named = mediaType.startsWith('image/');
  if (HTML_TYPES.has(mediaType)) {
    discard(response);
    return failed(htmlPage());
  }
  if (mediaType && !named && !UNNAMED_BINARY.has(mediaType)) {
    discard(response);
    return failed(notAnImage(mediaType));
  }
  const declared = Number(response.headers.get('content-length'));
  if (declared > limit) {
    discard(response);
    return failed(tooLarge(limit, declared));
  }
  const bytes = await readAtMost(response, limit);
  if (bytes === null) return failed(tooLarge(limit, null));
  if (bytes.byteLength === 0) return failed(emptyFile());
  if (!named && looksLikeHtml(bytes)) return failed(htmlPage());
  const type = named ? mediaType : '';
  return { ok: true, file: new File([bytes as Uint8Array<ArrayBuffer>], fileNameFor(source, type), { type }) };
}

/** Fetches an http(s) or data: address (with the page's cookies, as the page itself got the picture). */
async function download(url: string, source: ImageSource, options: FetchOptions): Promise<Fetched> {
  const host = source.kind === 'web' ? source.url.host : '';
  const timeout = AbortSignal.timeout(options.timeoutMs ?? IMAGE_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const response = await fetch(url, { credentials: 'include', signal });
    return await readAnswer(response, source, host, options.limitBytes);
  } catch (error) {
    if (options.signal?.aborted) throw error;
    if (source.kind !== 'web') return failed(badDataAddress());
    if (timeout.aborted) return failed(imageTimedOut(host));
    if (await redirects(url, options.signal)) return failed(redirectProblem());
    return failed(imageUnreachable(host));
  }
}

/** The picture's bytes as a file to upload, or why it cannot be sent. */
export async function fetchImage(source: ImageSource, options: FetchOptions): Promise<Fetched> {
  if (source.kind === 'web') return download(source.url.href, source, options);
  if (source.kind === 'data') return download(source.url, source, options);
  const read = await (options.readInPage ?? readBlobInPage)(source, options.limitBytes);
  if (read.kind === 'gone') return failed(blobUnreadable());
  if (read.kind === 'too-large') return failed(tooLarge(options.limitBytes, read.size));
  return download(read.dataUrl, source, options);
}
