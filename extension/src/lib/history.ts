/** The last checks, kept in the extension's local storage on this computer until cleared. */
import type { HistoryEntry } from '@/features/history/types';
import { ext } from './browser';

export const HISTORY_KEY = 'history';
/** Older checks are dropped beyond this many. */
export const MAX_HISTORY_ENTRIES = 50;

function isEntry(value: unknown): value is HistoryEntry {
  const entry = value as Partial<HistoryEntry> | null;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    typeof entry.id === 'string' &&
    typeof entry.filename === 'string' &&
    typeof entry.checkedAt === 'string' &&
    (entry.label === 'REAL' || entry.label === 'FAKE' || entry.label === 'UNSURE')
  );
}

/** The saved checks, newest first. */
export async function loadHistory(): Promise<HistoryEntry[]> {
  const stored: unknown = (await ext().storage.local.get(HISTORY_KEY))[HISTORY_KEY];
  return Array.isArray(stored) ? stored.filter(isEntry) : [];
}

/** Adds a check at the top, dropping the oldest beyond the limit. */
export async function addToHistory(entry: HistoryEntry): Promise<void> {
  const entries = await loadHistory();
  const kept = [entry, ...entries.filter((old) => old.id !== entry.id)].slice(0, MAX_HISTORY_ENTRIES);
  await ext().storage.local.set({ [HISTORY_KEY]: kept });
}

/** Forgets every check. */
export async function clearHistory(): Promise<void> {
  await ext().storage.local.remove(HISTORY_KEY);
}

/** Calls `onChange` whenever the history changes (a check finished in another tab, or it was cleared). */
export function watchHistory(onChange: () => void): () => void {
  const listener = (changes: Record<string, chrome.storage.StorageChange>, area: string) => {
    if (area === 'local' && HISTORY_KEY in changes) onChange();
  };
  ext().storage.onChanged.addListener(listener);
  return () => ext().storage.onChanged.removeListener(listener);
}
