import { useCallback } from 'react';
import { useAnnounce } from '@/hooks/useAnnounce';
import { describeResult } from '@/lib/verdict';
import type { Prediction } from '@/types/api';
import { useClassifier, type UploadItem } from '../hooks/useClassifier';
import { useClipboardPaste } from '../hooks/useClipboardPaste';
import { useHandedFiles } from '../hooks/useHandedFiles';
import { DropZone } from './DropZone';
import { ResultCard } from './ResultCard';

interface ClassifyPanelProps {
  /** Called for every classified file, e.g. to record it in the history. */
  onResult?: (file: File, result: Prediction) => void;
  /** Whether pasting on the page adds images (off while another view is shown). */
  active?: boolean;
}

function fileName(item: UploadItem) {
  return item.file.name || 'Unnamed file';
}

/** Add pictures and see, for each one, its verdict or what went wrong. */
export function ClassifyPanel({ onResult, active = true }: ClassifyPanelProps) {
  const announce = useAnnounce();

  const { items, addFiles, retry, remove, clear } = useClassifier({
    onResult: (item, result) => {
      const verdict = describeResult(result);
      announce(
        `${fileName(item)}: ${verdict.title}. ${verdict.lean ? `${verdict.lean} ` : ''}${verdict.summary}`,
      );
      onResult?.(item.file, result);
    },
    onError: (item, problem) => announce(`${fileName(item)}: ${problem.title}. ${problem.message}`),
  });

  const add = useCallback(
    (files: File[]) => {
      const count = addFiles(files);
      if (count > 0) announce(count === 1 ? 'Checking 1 image…' : `Checking ${count} images…`);
    },
    [addFiles, announce],
  );

  useClipboardPaste(add, active);
  // A picture the browser extension hands over ("Open in the web app") is added as if dropped.
  useHandedFiles(add);

  const pending = items.filter((item) => item.status === 'queued' || item.status === 'uploading').length;

  return (
    <section className="classify" aria-labelledby="check-title">
      <h2 id="check-title" className="visually-hidden">
        Check images
      </h2>
      <DropZone onFiles={add} />

      {items.length > 0 && (
        <section className="results" aria-labelledby="results-title">
          <div className="section-head">
            <h2 id="results-title">
              Results <span className="count">({items.length})</span>
            </h2>
            {pending > 0 && <span className="muted">{pending} still in progress</span>}
            <button type="button" className="button button-quiet" onClick={clear}>
              Clear results
            </button>
          </div>
          <ul className="result-list">
            {items.map((item) => (
              <li key={item.id}>
                <ResultCard item={item} onRetry={retry} onRemove={remove} />
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}
