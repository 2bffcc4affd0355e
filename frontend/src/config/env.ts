/**
 * Build-time configuration, read once from Vite's `import.meta.env`.
 * See `.env.example` for the variables.
 */

const DEFAULT_MAX_UPLOAD_MB = 64;

function parseMaxUploadBytes(raw: string | undefined): number {
  const megabytes = Number(raw);
  return Number.isFinite(megabytes) && megabytes > 0
    ? Math.round(megabytes * 1024 * 1024)
    : DEFAULT_MAX_UPLOAD_MB * 1024 * 1024;
}

export const env = {
  /** Base URL of the API ("" = same origin as the page). */
  apiUrl: (import.meta.env.VITE_API_URL ?? '').trim().replace(/\/+$/, ''),
  /** Files larger than this are refused before uploading (the API's default limit). */
  maxUploadBytes: parseMaxUploadBytes(import.meta.env.VITE_MAX_UPLOAD_MB),
} as const;
