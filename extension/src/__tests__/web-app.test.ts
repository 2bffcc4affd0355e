import { afterEach, describe, expect, it, vi } from 'vitest';
import { HANDED_FILE_TYPE } from '@/features/classify/handed-file';
import { postToPage } from '@ext/lib/web-app';

describe('postToPage (run inside the web app)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('posts the decoded bytes to the page itself, with its own origin as the target', () => {
    const post = vi.spyOn(window, 'postMessage').mockImplementation(() => undefined);
    expect(postToPage(location.origin, HANDED_FILE_TYPE, 'a.png', 'image/png', btoa('\x89PNG\x00\xff'))).toBe(true);
    expect(post).toHaveBeenCalledTimes(1);
    const [message, target] = post.mock.calls[0] as [{ bytes: ArrayBuffer }, string];
    expect(target).toBe(location.origin);
    expect(message).toMatchObject({ type: HANDED_FILE_TYPE, name: 'a.png', mimeType: 'image/png' });
    expect(Array.from(new Uint8Array(message.bytes))).toEqual([0x89, 0x50, 0x4e, 0x47, 0, 0xff]);
  });

  it('posts nothing when the tab no longer shows the server’s web app', () => {
    const post = vi.spyOn(window, 'postMessage').mockImplementation(() => undefined);
    expect(postToPage('https://detector.example.org', HANDED_FILE_TYPE, 'a.png', 'image/png', 'AA==')).toBe(false);
    expect(post).not.toHaveBeenCalled();
  });
});
