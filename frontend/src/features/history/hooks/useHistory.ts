import { useCallback, useEffect, useState } from 'react';
import type { HistoryEntry } from '../types';

/** sessionStorage key: the history lives in this browser tab only. */
// v3: the verdict may be UNSURE ("can't tell"), with the model's lean (v2 entries called such a verdict REAL or FAKE).
export const HISTORY_STORAGE_KEY = 'image-detector.history.v3';
/** Older entries are dropped beyond this many. */
export const MAX_HISTORY_ENTRIES = 100;

function isEntry(value: unknown): value is HistoryEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Partial<HistoryEntry>;
  return (
    typeof entry.id === 'string' &&
    typeof entry.filename === 'string' &&
    (entry.label === 'REAL' || entry.label === 'FAKE' || entry.label === 'UNSURE') &&
    (entry.basis === 'content_credentials' || entry.basis === 'metadata' || entry.basis === 'model') &&
    typeof entry.checkedAt === 'string'
  );
}

function load(): HistoryEntry[] {
  try {
    const parsed: unknown = JSON.parse(window.sessionStorage.getItem(HISTORY_STORAGE_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter(isEntry) : [];
  } catch {
    return [];
  }
}

function save(entries: HistoryEntry[]) {
  try {
    if (entries.length === 0) window.sessionStorage.removeItem(HISTORY_STORAGE_KEY);
    else window.sessionStorage.setItem(HISTORY_STORAGE_KEY, JSON.stringify(entries));
  } catch {
    // Storage full or disabled: keep pictures out and try once more, else keep it in memory only.
    try {
      const light = entries.map(({ thumbnail: _thumbnail, ...rest }) => rest);
      window.sessionStorage.setItem(HISTORY_STORAGE_KEY, JSON.stringify(light));
    } catch {
      /* the history still works for this page view */
    }
  }
}

/** The session history of results, newest first, kept in sessionStorage. */
export function useHistory() {
  const [entries, setEntries] = useState<HistoryEntry[]>(load);

  useEffect(() => save(entries), [entries]);

  const add = useCallback((entry: HistoryEntry) => {
    setEntries((previous) => [entry, ...previous.filter((old) => old.id !== entry.id)].slice(0, MAX_HISTORY_ENTRIES));
  }, []);

  const clear = useCallback(() => setEntries([]), []);

  return { entries, add, clear };
}
