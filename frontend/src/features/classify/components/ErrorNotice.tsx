import { AlertIcon } from '@/components/Icons';
import type { ApiProblem } from '@/lib/api-client';

interface ErrorNoticeProps {
  /** An API problem, or any other failure put the same way (the browser extension's download problems). */
  problem: Pick<ApiProblem, 'title' | 'message' | 'retryable'>;
  fileName: string;
  onRetry: () => void;
}

/** A failed file: what went wrong in plain words, and a retry when it may help. */
export function ErrorNotice({ problem, fileName, onRetry }: ErrorNoticeProps) {
  return (
    <div className="notice notice-error">
      <AlertIcon className="notice-icon" />
      <div>
        <p className="notice-title">{problem.title}</p>
        <p className="notice-text">{problem.message}</p>
        {problem.retryable && (
          <button type="button" className="button button-small" onClick={onRetry} aria-label={`Try ${fileName} again`}>
            Try again
          </button>
        )}
      </div>
    </div>
  );
}
