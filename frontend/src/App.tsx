import { useCallback, useEffect, useRef, useState } from 'react';
import { ShieldIcon } from '@/components/Icons';
import { LiveAnnouncer } from '@/components/LiveAnnouncer';
import { ModelCardProvider } from '@/components/ModelCardProvider';
import { AboutModel } from '@/features/about/components/AboutModel';
import { ClassifyPanel } from '@/features/classify/components/ClassifyPanel';
import { HistoryPanel } from '@/features/history/components/HistoryPanel';
import { historyEntry } from '@/features/history/entry';
import { useHistory } from '@/features/history/hooks/useHistory';
import { useHashView, VIEW_HASH, type View } from '@/hooks/useHashView';
import { createThumbnail } from '@/lib/thumbnail';
import type { Prediction } from '@/types/api';

function NavLink({ view, current, children }: { view: View; current: View; children: string }) {
  return (
    <a href={VIEW_HASH[view]} className="nav-link" aria-current={view === current ? 'page' : undefined}>
      {children}
    </a>
  );
}

export function App() {
  const view = useHashView();
  const { entries, add, clear } = useHistory();
  const [aboutOpened, setAboutOpened] = useState(view === 'about');
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);
  // The About view loads the model card the first time it is shown, then stays mounted.
  if (view === 'about' && !aboutOpened) setAboutOpened(true);

  useEffect(() => {
    // Move keyboard and screen-reader focus to the new view (not on first load).
    if (firstRender.current) firstRender.current = false;
    else mainRef.current?.focus();
  }, [view]);

  const recordResult = useCallback(
    (file: File, result: Prediction) => {
      void createThumbnail(file).then((thumbnail) => add(historyEntry(file.name, result, thumbnail)));
    },
    [add],
  );

  return (
    <ModelCardProvider>
      <LiveAnnouncer>
        <a
          href="#main"
          className="skip-link"
          onClick={(event) => {
            // The hash holds the view, so focus the content instead of following the link.
            event.preventDefault();
            mainRef.current?.focus();
          }}
        >
          Skip to content
        </a>
        <header className="site-header">
          <div className="site-header-inner">
            <div className="brand">
              <svg className="brand-logo" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
                <rect width="32" height="32" rx="7" />
                <circle cx="16" cy="16" r="8.5" fill="none" strokeWidth="2.5" />
                <circle cx="16" cy="16" r="3" />
              </svg>
              <div>
                <h1 className="brand-title">Real or AI?</h1>
                <p className="brand-tagline">AI-generated image detector</p>
              </div>
            </div>
            <nav aria-label="Main">
              <NavLink view="check" current={view}>
                Check images
              </NavLink>
              <NavLink view="about" current={view}>
                About the model
              </NavLink>
            </nav>
          </div>
        </header>

        <main id="main" ref={mainRef} tabIndex={-1}>
          <div hidden={view !== 'check'}>
            <p className="intro">
              Add a picture to learn whether it is a real photograph or made by an image generator: what the file itself
              says (Content Credentials, generator or camera metadata), what the pixel model guesses and how often such a
              guess was right in our tests.
            </p>
            <p className="privacy-note">
              <ShieldIcon />
              <span>
                Your pictures go only to this app’s own server, which analyses them in memory and does not keep them.
                Nothing is sent anywhere else.
              </span>
            </p>
            <ClassifyPanel onResult={recordResult} active={view === 'check'} />
            <HistoryPanel entries={entries} onClear={clear} />
          </div>
          <div hidden={view !== 'about'}>{aboutOpened && <AboutModel />}</div>
        </main>

        <footer className="site-footer">
          <p>
            A verdict rests on the evidence listed with it; the pixel model’s guess is a statistical estimate, not proof.{' '}
            <a href={VIEW_HASH.about}>Read about the model and its limits.</a>
          </p>
          <p>No image leaves your browser except to this app’s own API. No external fonts, scripts or trackers.</p>
        </footer>
      </LiveAnnouncer>
    </ModelCardProvider>
  );
}
