/**
 * A stand-in for the parts of the WebExtension API the extension uses, kept
 * in memory: storage, host permissions (the local machine granted, as at
 * install), the scripting API, opening tabs and the runtime's URLs.
 */
import { vi } from 'vitest';
import { LOCAL_HOSTS } from '@ext/manifest';

type Listener = (changes: Record<string, chrome.storage.StorageChange>, area: string) => void;

export interface FakeExtension {
  api: typeof chrome;
  storage: Map<string, unknown>;
  /** Host patterns the extension may read. */
  granted: Set<string>;
  /** What the person answers when asked for access. */
  answerAccess: (allow: boolean) => void;
  request: ReturnType<typeof vi.fn>;
  executeScript: ReturnType<typeof vi.fn>;
  /** Opens a tab (id 7), still loading. */
  createTab: ReturnType<typeof vi.fn>;
  /** Tells the tabs.onUpdated listeners that tab `tabId` finished loading. */
  finishLoading: (tabId: number) => void;
}

/** A fresh stand-in, with only the local machine allowed and empty storage. */
export function fakeExtension(): FakeExtension {
  const storage = new Map<string, unknown>();
  const granted = new Set(LOCAL_HOSTS);
  const listeners = new Set<Listener>();
  let allow = true;

  const notify = (keys: string[]) => {
    const changes = Object.fromEntries(keys.map((key) => [key, { newValue: storage.get(key) }]));
    for (const listener of listeners) listener(changes, 'local');
  };
  const clone = <T>(value: T): T => structuredClone(value);

  const request = vi.fn(({ origins = [] }: chrome.permissions.Permissions) => {
    if (allow) for (const origin of origins) granted.add(origin);
    return Promise.resolve(allow);
  });
  const executeScript = vi.fn(() => Promise.resolve([]));
  const tabListeners = new Set<(tabId: number, change: { status?: string }) => void>();
  const createTab = vi.fn(({ url }: { url: string }) => Promise.resolve({ id: 7, url, status: 'loading' }));

  const api = {
    runtime: { id: 'fake-extension', getURL: (path: string) => `chrome-extension://fake-extension/${path}` },
    storage: {
      local: {
        get: (key: string) => Promise.resolve(storage.has(key) ? { [key]: clone(storage.get(key)) } : {}),
        set: (items: Record<string, unknown>) => {
          for (const [key, value] of Object.entries(items)) storage.set(key, clone(value));
          notify(Object.keys(items));
          return Promise.resolve();
        },
        remove: (key: string) => {
          storage.delete(key);
          notify([key]);
          return Promise.resolve();
        },
      },
      onChanged: {
        addListener: (listener: Listener) => listeners.add(listener),
        removeListener: (listener: Listener) => listeners.delete(listener),
      },
    },
    permissions: {
      contains: ({ origins = [] }: chrome.permissions.Permissions) =>
        Promise.resolve(origins.every((origin) => granted.has(origin))),
      request,
    },
    scripting: { executeScript },
    tabs: {
      create: createTab,
      get: (tabId: number) => Promise.resolve({ id: tabId, status: 'loading' }),
      onUpdated: {
        addListener: (listener: (tabId: number, change: { status?: string }) => void) => tabListeners.add(listener),
        removeListener: (listener: (tabId: number, change: { status?: string }) => void) => tabListeners.delete(listener),
      },
    },
  } as unknown as typeof chrome;

  const finishLoading = (tabId: number) => {
    for (const listener of tabListeners) listener(tabId, { status: 'complete' });
  };
  return { api, storage, granted, answerAccess: (value) => (allow = value), request, executeScript, createTab, finishLoading };
}
