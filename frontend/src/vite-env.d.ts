/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Base URL of the JSON API, without trailing slash; empty means same origin. */
  readonly VITE_API_URL?: string;
  /** Largest upload the app attempts, in megabytes (default 20). */
  readonly VITE_MAX_UPLOAD_MB?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
