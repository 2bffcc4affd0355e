import { describe, expect, it } from 'vitest';
import { historyEntry } from '@/features/history/entry';
import { makePrediction } from '@/testing/mocks/data';
import { addToHistory, clearHistory, HISTORY_KEY, loadHistory, MAX_HISTORY_ENTRIES } from '@ext/lib/history';

describe('the history of checks', () => {
  it('keeps the newest first, up to the limit, until cleared', async () => {
    for (let index = 0; index < MAX_HISTORY_ENTRIES + 3; index += 1) {
      await addToHistory(historyEntry(`picture-${index}.jpg`, makePrediction(0.97)));
    }
    const entries = await loadHistory();
    expect(entries).toHaveLength(MAX_HISTORY_ENTRIES);
    expect(entries[0].filename).toBe(`picture-${MAX_HISTORY_ENTRIES + 2}.jpg`);
    await clearHistory();
    expect(await loadHistory()).toEqual([]);
    expect(testExtension.storage.has(HISTORY_KEY)).toBe(false);
  });

  it('ignores what is not a history entry', async () => {
    testExtension.storage.set(HISTORY_KEY, [{ id: 1 }, 'x', null, historyEntry('a.jpg', makePrediction(0.2))]);
    expect((await loadHistory()).map((entry) => entry.filename)).toEqual(['a.jpg']);
    testExtension.storage.set(HISTORY_KEY, { not: 'a list' });
    expect(await loadHistory()).toEqual([]);
  });
});
