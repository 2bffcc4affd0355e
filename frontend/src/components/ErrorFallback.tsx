import type { FallbackProps } from './ErrorBoundary';

/** What the page shows if the interface itself breaks. */
export function ErrorFallback({ error, resetErrorBoundary }: FallbackProps) {
  return (
    <main className="error-fallback" role="alert">
      <h1>Something went wrong</h1>
      <p>
        The page ran into a problem it could not recover from. Your images were not affected: they
        are only kept in this browser tab.
      </p>
      <div className="button-row">
        <button type="button" className="button button-primary" onClick={resetErrorBoundary}>
          Try again
        </button>
        <button type="button" className="button" onClick={() => window.location.reload()}>
          Reload the page
        </button>
      </div>
      <details>
        <summary>Technical details</summary>
        <pre>{error.message}</pre>
      </details>
    </main>
  );
}
