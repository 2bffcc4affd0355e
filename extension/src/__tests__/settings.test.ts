import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVER_URL, loadSettings, normalizeServerUrl, saveSettings } from '@ext/lib/settings';

describe('the server address', () => {
  it.each([
    ['http://127.0.0.1:8000', 'http://127.0.0.1:8000'],
    ['  http://127.0.0.1:8000/  ', 'http://127.0.0.1:8000'],
    ['localhost:8080', 'http://localhost:8080'],
    ['127.0.0.1:8000', 'http://127.0.0.1:8000'],
    ['HTTPS://Detector.Example.org/app/', 'https://detector.example.org/app'],
  ])('%j is saved as %j', (typed, saved) => {
    expect(normalizeServerUrl(typed)).toEqual({ ok: true, value: saved });
  });

  it.each([
    ['', /Enter the server’s address/],
    ['ftp://example.org', /must start with http/],
    ['http://user:pw@example.org', /without a name, password/],
    ['http://example.org/?x=1', /without a name, password, query/],
    ['http://exa mple.org', /is not a web address/],
  ])('%j is refused with a reason', (typed, reason) => {
    const parsed = normalizeServerUrl(typed);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toMatch(reason);
  });

  it('defaults to where make run serves, and keeps what was saved', async () => {
    expect(await loadSettings()).toEqual({ serverUrl: DEFAULT_SERVER_URL });
    expect(DEFAULT_SERVER_URL).toBe('http://127.0.0.1:8000');
    await saveSettings({ serverUrl: 'https://detector.example.org' });
    expect(await loadSettings()).toEqual({ serverUrl: 'https://detector.example.org' });
  });

  it('falls back to the default when the stored value is broken', async () => {
    testExtension.storage.set('settings', { serverUrl: 'javascript:alert(1)' });
    expect(await loadSettings()).toEqual({ serverUrl: DEFAULT_SERVER_URL });
    testExtension.storage.set('settings', 42);
    expect(await loadSettings()).toEqual({ serverUrl: DEFAULT_SERVER_URL });
  });
});
