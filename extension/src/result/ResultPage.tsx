import { useEffect, useMemo, useState } from 'react';
import { ShieldIcon } from '@/components/Icons';
import { ModelCardProvider } from '@/components/ModelCardProvider';
import { ErrorNotice } from '@/features/classify/components/ErrorNotice';
import { ResultCard } from '@/features/classify/components/ResultCard';
import { describeResult } from '@/lib/verdict';
import { PageHeader } from '@ext/components/PageHeader';
import { describeSource, isSourceProblem, sourceFromQuery, type ImageSource } from '@ext/lib/image-source';
import { patternLabel, requestHosts } from '@ext/lib/permissions';
import { sourceProblem } from '@ext/lib/problems';
import { loadSettings } from '@ext/lib/settings';
import { openInWebApp } from '@ext/lib/web-app';
import { ReverseSearch } from './ReverseSearch';
import { useCheck, type CheckState } from './useCheck';

/** Where the picture was read, and that it went to the person's server only. */
function PrivacyNote({ source, serverUrl }: { source: ImageSource; serverUrl: string }) {
  const from = source.kind === 'web' ? `downloaded from ${source.url.host}` : 'read from the page';
  return (
    <p className="privacy-note">
      <ShieldIcon />
      <span>
        The picture was {from} and sent only to your server at {serverUrl}; nothing was sent anywhere else.
      </span>
    </p>
  );
}

/** The access to ask for, and the click that asks. */
function AccessRequest({ hosts, onGranted }: { hosts: string[]; onGranted: () => void }) {
  const [refused, setRefused] = useState(false);
  const names = hosts.map(patternLabel).join(' and ');
  return (
    <div className="notice ext-notice">
      <ShieldIcon className="notice-icon" />
      <div>
        <p className="notice-title">Allow access first</p>
        <p className="notice-text">
          Until you allow it, the extension may only read from this computer; this check needs {names}. Nothing has
          been downloaded or sent yet.
        </p>
        <button
          type="button"
          className="button button-primary button-small"
          // The browser asks only during the click itself: no await before the request.
          onClick={() =>
            void requestHosts(hosts).then((granted) => (granted ? onGranted() : setRefused(true)))
          }
        >
          Allow access to {names}
        </button>
        {refused && <p className="notice-text">Access was not allowed, so nothing was downloaded or sent.</p>}
      </div>
    </div>
  );
}

/** After a verdict: the same file in the full web app, or kept on this computer. */
function MoreActions({ file, previewUrl, serverUrl }: { file: File; previewUrl: string; serverUrl: string }) {
  const [handOver, setHandOver] = useState<'idle' | 'opening' | 'failed'>('idle');
  const open = () => {
    setHandOver('opening');
    openInWebApp(file, serverUrl).then(
      (taken) => setHandOver(taken ? 'idle' : 'failed'),
      () => setHandOver('failed'),
    );
  };
  return (
    <section className="ext-more" aria-labelledby="more-title">
      <h2 id="more-title">In the web app</h2>
      <p className="muted">
        “Open in the web app” opens the web app at {serverUrl} in a new tab and hands it the same file, as it was checked:
        the web app checks it itself and shows the result beside your other checks. (It cannot download pictures from
        other sites; the extension gives it the file.)
      </p>
      <div className="button-row">
        <button type="button" className="button button-primary" onClick={open} disabled={handOver === 'opening'}>
          Open in the web app
        </button>
        <a className="button" href={previewUrl} download={file.name}>
          Save the picture
        </a>
      </div>
      {handOver === 'failed' && (
        <p className="notice-text" role="status">
          The web app at {serverUrl} did not take the picture (is the server serving it, as make run does?): save the
          picture and drop it there instead.
        </p>
      )}
    </section>
  );
}

function Progress({ text }: { text: string }) {
  return (
    <div className="status-uploading">
      <div className="progress" role="progressbar" aria-label={text}>
        <div className="progress-bar" />
      </div>
      <p className="status-text">{text}</p>
    </div>
  );
}

function CheckView({
  state,
  source,
  serverUrl,
  retry,
}: {
  state: CheckState;
  source: ImageSource;
  serverUrl: string;
  retry: () => void;
}) {
  switch (state.step) {
    case 'starting':
      return <Progress text="Getting ready…" />;
    case 'needs-access':
      return <AccessRequest hosts={state.hosts} onGranted={retry} />;
    case 'downloading':
      return <Progress text={source.kind === 'web' ? `Downloading the picture from ${source.url.host}…` : 'Reading the picture…'} />;
    case 'failed':
      return <ErrorNotice problem={state.problem} fileName="the picture" onRetry={retry} />;
    case 'sent':
      // The card reads the model's input size from the model card of the same server.
      return (
        <ModelCardProvider apiBase={serverUrl}>
          <ResultCard item={state.item} onRetry={retry} nextSteps={<ReverseSearch source={source} />} />
          {state.item.status === 'done' && state.item.previewUrl && (
            <MoreActions file={state.item.file} previewUrl={state.item.previewUrl} serverUrl={serverUrl} />
          )}
        </ModelCardProvider>
      );
  }
}

/** What the tab's title says: the verdict and the picture, once known. */
function pageTitle(state: CheckState): string {
  if (state.step === 'sent' && state.item.result) {
    return `${describeResult(state.item.result).title}: ${state.item.file.name} · Real or AI?`;
  }
  if (state.step === 'failed') return `${state.problem.title} · Real or AI?`;
  return 'Checking a picture · Real or AI?';
}

/**
 * result.html?src=<picture address>: downloads the picture, sends it to the
 * person's server, and shows the verdict and its evidence in the web app's
 * own result card.
 */
export function ResultPage({ search }: { search: string }) {
  const parsed = useMemo(() => sourceFromQuery(search), [search]);
  const source = isSourceProblem(parsed) ? null : parsed;
  const [serverUrl, setServerUrl] = useState<string | null>(null);
  const { state, retry } = useCheck(source, serverUrl);

  useEffect(() => {
    void loadSettings().then((settings) => setServerUrl(settings.serverUrl));
  }, []);

  useEffect(() => {
    document.title = source ? pageTitle(state) : 'No picture · Real or AI?';
  }, [source, state]);

  return (
    <>
      <PageHeader tagline="A picture from the web, checked by your server" link={{ href: 'options.html', text: 'Settings and history' }} />
      <main id="main">
        <h2 className="ext-page-title">{source ? describeSource(source) : 'No picture to check'}</h2>
        {source?.kind === 'web' && (
          <p className="ext-source">
            Address:{' '}
            <a href={source.url.href} target="_blank" rel="noreferrer">
              {source.url.href}
            </a>
          </p>
        )}
        {isSourceProblem(parsed) ? (
          <ErrorNotice problem={sourceProblem(parsed)} fileName="the picture" onRetry={retry} />
        ) : (
          source &&
          serverUrl && (
            <>
              <CheckView state={state} source={source} serverUrl={serverUrl} retry={retry} />
              {state.step === 'sent' && <PrivacyNote source={source} serverUrl={serverUrl} />}
            </>
          )
        )}
      </main>
    </>
  );
}
