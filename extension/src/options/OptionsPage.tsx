import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { ShieldIcon } from '@/components/Icons';
import { HistoryPanel, type HistoryWording } from '@/features/history/components/HistoryPanel';
import type { HistoryEntry } from '@/features/history/types';
import { PageHeader } from '@ext/components/PageHeader';
import { clearHistory, loadHistory, MAX_HISTORY_ENTRIES, watchHistory } from '@ext/lib/history';
import { hostPattern } from '@ext/lib/image-source';
import { missingHosts, patternLabel, requestHosts } from '@ext/lib/permissions';
import { testConnection } from '@ext/lib/server';
import { DEFAULT_SERVER_URL, loadSettings, normalizeServerUrl, saveSettings } from '@ext/lib/settings';

const HISTORY_WORDING: HistoryWording = {
  heading: 'Last checks',
  note: `The last ${MAX_HISTORY_ENTRIES} checks, kept in this browser’s extension storage on this computer (never sent anywhere) until you clear them.`,
  empty: 'No pictures checked yet.',
  caption: 'Pictures checked with the extension, newest first',
};

type Status = { tone: 'ok' | 'error' | 'info'; text: string } | null;

/** The history in the extension's storage, kept up to date while the page is open. */
function useStoredHistory() {
  const [entries, setEntries] = useState<HistoryEntry[]>([]);
  useEffect(() => {
    const refresh = () => void loadHistory().then(setEntries);
    refresh();
    return watchHistory(refresh);
  }, []);
  const clear = useCallback(() => void clearHistory().then(() => setEntries([])), []);
  return { entries, clear };
}

/**
 * Asks for access to a server outside this computer, during the click that
 * needs it (browsers ask only then). Resolves to whether the extension may reach it.
 */
function allowServer(serverUrl: string): Promise<boolean> {
  const pattern = hostPattern(serverUrl);
  // permissions.request must come first, in the click itself; it answers at once when access is already there.
  return requestHosts([pattern]).then(
    (granted) => granted,
    () => missingHosts([serverUrl]).then((missing) => missing.length === 0),
  );
}

/** options.html: the server's address, a connection test, what is sent where, and the last checks. */
export function OptionsPage() {
  const inputId = useId();
  const hintId = useId();
  const [address, setAddress] = useState('');
  const [status, setStatus] = useState<Status>(null);
  const [testing, setTesting] = useState(false);
  const { entries, clear } = useStoredHistory();

  useEffect(() => {
    void loadSettings().then(({ serverUrl }) => setAddress(serverUrl));
  }, []);

  /** The typed address made canonical and allowed, or null with the reason shown. */
  const allowedAddress = (): Promise<string | null> => {
    const parsed = normalizeServerUrl(address);
    if (!parsed.ok) {
      setStatus({ tone: 'error', text: parsed.message });
      return Promise.resolve(null);
    }
    return allowServer(parsed.value).then((allowed) => {
      if (allowed) return parsed.value;
      setStatus({
        tone: 'error',
        text: `Access to ${patternLabel(hostPattern(parsed.value))} was not allowed, so the extension cannot reach that server.`,
      });
      return null;
    });
  };

  const save = (event: FormEvent) => {
    event.preventDefault();
    void allowedAddress().then(async (serverUrl) => {
      if (!serverUrl) return;
      await saveSettings({ serverUrl });
      setAddress(serverUrl);
      setStatus({ tone: 'ok', text: `Saved: pictures will be checked by ${serverUrl}.` });
    });
  };

  const test = () => {
    void allowedAddress().then(async (serverUrl) => {
      if (!serverUrl) return;
      setTesting(true);
      setStatus({ tone: 'info', text: `Calling ${serverUrl}/api/health…` });
      const report = await testConnection(serverUrl);
      setTesting(false);
      setStatus({ tone: report.ok ? 'ok' : 'error', text: report.message });
    });
  };

  return (
    <>
      <PageHeader tagline="Settings and history of the browser extension" />
      <main id="main">
        <section className="ext-settings" aria-labelledby="server-title">
          <h2 id="server-title">Your server</h2>
          <p className="privacy-note">
            <ShieldIcon />
            <span>
              When you check a picture, the extension downloads it from the site that shows it and sends it only to
              this server; nothing is sent anywhere else.
            </span>
          </p>
          <form className="ext-server-form" onSubmit={save}>
            <label htmlFor={inputId}>Server address</label>
            <input
              id={inputId}
              className="ext-input"
              type="text"
              inputMode="url"
              autoComplete="url"
              spellCheck={false}
              aria-describedby={hintId}
              value={address}
              onChange={(event) => setAddress(event.target.value)}
            />
            <p id={hintId} className="hint">
              {DEFAULT_SERVER_URL} is where <code>make run</code> serves; the Docker setup serves
              http://localhost:8080. The extension asks your permission once for a server on another computer.
            </p>
            <div className="button-row">
              <button type="submit" className="button button-primary">
                Save
              </button>
              <button type="button" className="button" onClick={test} disabled={testing}>
                Test connection
              </button>
            </div>
          </form>
          <p className={`ext-status${status ? ` is-${status.tone}` : ''}`} role="status">
            {status?.text}
          </p>
        </section>
        <HistoryPanel entries={entries} onClear={clear} wording={HISTORY_WORDING} />
      </main>
    </>
  );
}
