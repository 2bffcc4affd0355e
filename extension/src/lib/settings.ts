/** The extension's one setting, the detector server's address, kept in the extension's local storage. */
import { ext } from './browser';

/** What `make run` serves. */
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8000';

const SETTINGS_KEY = 'settings';

export interface Settings {
  /** The server's base URL, without a trailing slash, e.g. http://127.0.0.1:8000 or https://detector.example.org/app. */
  serverUrl: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * A server address as typed, made canonical: "127.0.0.1:8000" gets http://,
 * the trailing slash goes; only http(s) addresses without credentials, query or fragment pass.
 */
export function normalizeServerUrl(input: string): Parsed<string> {
  const typed = input.trim();
  if (!typed) return { ok: false, message: `Enter the server’s address, e.g. ${DEFAULT_SERVER_URL}.` };
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(typed) ? typed : `http://${typed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return { ok: false, message: `“${typed}” is not a web address; write it like ${DEFAULT_SERVER_URL}.` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, message: 'The server’s address must start with http:// or https://.' };
  }
  if (url.username || url.password || url.search || url.hash) {
    return { ok: false, message: 'Give only the server’s address, without a name, password, query or #fragment.' };
  }
  return { ok: true, value: `${url.origin}${url.pathname.replace(/\/+$/, '')}` };
}

/** The saved settings, or the defaults. */
export async function loadSettings(): Promise<Settings> {
  const stored = (await ext().storage.local.get(SETTINGS_KEY))[SETTINGS_KEY] as Partial<Settings> | undefined;
  const saved = typeof stored?.serverUrl === 'string' ? normalizeServerUrl(stored.serverUrl) : null;
  return { serverUrl: saved?.ok ? saved.value : DEFAULT_SERVER_URL };
}

/** Keeps the settings in the extension's local storage. */
export async function saveSettings(settings: Settings): Promise<void> {
  await ext().storage.local.set({ [SETTINGS_KEY]: settings });
}
