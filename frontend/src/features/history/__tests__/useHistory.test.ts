import { act, renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { HISTORY_STORAGE_KEY, MAX_HISTORY_ENTRIES, useHistory } from '@/features/history/hooks/useHistory';
import type { HistoryEntry } from '@/features/history/types';

const entry = (id: string): HistoryEntry => ({
  id,
  filename: `${id}.png`,
  label: 'REAL',
  basis: 'model',
  lean: null,
  confidenceLevel: 'high',
  confidence: 0.9,
  modelVersion: 'v1',
  checkedAt: '2026-11-22T10:00:00.000Z',
});

describe('useHistory', () => {
  it('keeps entries newest first in sessionStorage, and restores them', () => {
    const { result, unmount } = renderHook(() => useHistory());
    act(() => result.current.add(entry('one')));
    act(() => result.current.add(entry('two')));
    expect(result.current.entries.map((e) => e.id)).toEqual(['two', 'one']);
    expect(JSON.parse(sessionStorage.getItem(HISTORY_STORAGE_KEY) ?? '[]')).toHaveLength(2);
    expect(localStorage.length).toBe(0);
    unmount();

    const again = renderHook(() => useHistory());
    expect(again.result.current.entries.map((e) => e.id)).toEqual(['two', 'one']);
  });

  it('clears the stored history', () => {
    const { result } = renderHook(() => useHistory());
    act(() => result.current.add(entry('one')));
    act(() => result.current.clear());
    expect(result.current.entries).toEqual([]);
    expect(sessionStorage.getItem(HISTORY_STORAGE_KEY)).toBeNull();
  });

  it('ignores a corrupt stored value', () => {
    sessionStorage.setItem(HISTORY_STORAGE_KEY, '{not json');
    expect(renderHook(() => useHistory()).result.current.entries).toEqual([]);
    sessionStorage.setItem(HISTORY_STORAGE_KEY, JSON.stringify([{ id: 1 }, entry('ok')]));
    expect(renderHook(() => useHistory()).result.current.entries.map((e) => e.id)).toEqual(['ok']);
  });

  it('restores "can’t tell" verdicts with their lean, and drops labels it does not know', () => {
    const cantTell: HistoryEntry = { ...entry('unsure'), label: 'UNSURE', lean: 'FAKE', confidenceLevel: 'unsure' };
    sessionStorage.setItem(HISTORY_STORAGE_KEY, JSON.stringify([cantTell, { ...entry('odd'), label: 'MAYBE' }]));
    expect(renderHook(() => useHistory()).result.current.entries).toEqual([cantTell]);
  });

  it(`keeps at most ${MAX_HISTORY_ENTRIES} entries`, () => {
    const { result } = renderHook(() => useHistory());
    act(() => {
      for (let i = 0; i < MAX_HISTORY_ENTRIES + 5; i += 1) result.current.add(entry(`e${i}`));
    });
    expect(result.current.entries).toHaveLength(MAX_HISTORY_ENTRIES);
    expect(result.current.entries[0].id).toBe(`e${MAX_HISTORY_ENTRIES + 4}`);
  });
});
