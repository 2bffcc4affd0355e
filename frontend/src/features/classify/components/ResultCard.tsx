import { useId, useState, type ReactNode } from 'react';
import { useModelCard } from '@/components/ModelCardProvider';
import { formatBytes } from '@/lib/format';
import { describeResult } from '@/lib/verdict';
import type { UploadItem } from '../hooks/useClassifier';
import { CantTellAdvice } from './CantTellAdvice';
import { ErrorNotice } from './ErrorNotice';
import { EvidenceList } from './EvidenceList';
import { VerdictSummary } from './VerdictSummary';

interface ResultCardProps {
  item: UploadItem;
  onRetry: (id: string) => void;
  /** Without it, the card has no remove button (the browser extension shows one picture per page). */
  onRemove?: (id: string) => void;
  /** More next steps after "can't tell", where the picture came from the web. */
  nextSteps?: ReactNode;
}

/** One file: its preview, its progress, then its verdict or its error. */
export function ResultCard({ item, onRetry, onRemove, nextSteps }: ResultCardProps) {
  const titleId = useId();
  const [showHeatmap, setShowHeatmap] = useState(false);
  const [previewFailed, setPreviewFailed] = useState(false);
  const [natural, setNatural] = useState<{ width: number; height: number } | null>(null);
  const { file, status, result, error } = item;
  const name = file.name || 'Unnamed file';
  const explanation = result?.explanation;
  const verdict = result ? describeResult(result) : null;
  const modelCard = useModelCard();
  // The size of the model's input is the server's to say (GET /api/model).
  const inputSize = modelCard.status === 'ready' ? modelCard.card.decision.input_size : null;
  const inputSizeText = inputSize ? `${inputSize}×${inputSize}` : null;
  const busy = status === 'queued' || status === 'uploading';

  // Browsers cannot show every format the server reads (e.g. TIFF): fall back to the model's view.
  const previewSrc = item.previewUrl && !previewFailed ? item.previewUrl : explanation?.model_input_png;
  // Size the frame to the picture's shape so that the heatmap, stretched over
  // the frame, lies exactly on the picture; small pictures are scaled up.
  const frameStyle = natural
    ? {
        aspectRatio: `${natural.width} / ${natural.height}`,
        width: `min(100%, ${(16 * natural.width) / natural.height}rem)`,
      }
    : undefined;
  const frameClass = `preview-frame${natural ? ' is-sized' : ''}${natural && natural.width < 160 ? ' is-small' : ''}`;
  const peakHeat = explanation ? Math.max(0, ...explanation.grid.flat()) : 0;

  return (
    <article
      className={`result-card status-${status}${verdict ? ` tone-${verdict.tone}` : ''}`}
      aria-labelledby={titleId}
      aria-busy={busy}
    >
      <header className="result-head">
        <h3 id={titleId} className="result-name" title={name}>
          {name}
        </h3>
        <span className="result-size">{formatBytes(file.size)}</span>
        {onRemove && (
          <button
            type="button"
            className="icon-button"
            onClick={() => onRemove(item.id)}
            aria-label={`Remove ${name}`}
            title="Remove"
          >
            <span aria-hidden="true">×</span>
          </button>
        )}
      </header>

      <div className="result-body">
        <div className="result-visual">
          <figure className="preview">
            <div className={frameClass} style={frameStyle}>
              {previewSrc ? (
                <img
                  src={previewSrc}
                  alt={`Preview of ${name}`}
                  onLoad={(event) => {
                    const { naturalWidth: width, naturalHeight: height } = event.currentTarget;
                    if (width > 0 && height > 0) setNatural({ width, height });
                  }}
                  onError={() => {
                    setPreviewFailed(true);
                    setNatural(null);
                  }}
                />
              ) : (
                <div className="preview-placeholder">No preview</div>
              )}
              {previewSrc && explanation && showHeatmap && (
                <img className="heatmap-overlay" src={explanation.heatmap_png} alt={`Grad-CAM heatmap over ${name}`} />
              )}
            </div>
            {result && (
              <figcaption>
                Your image · {result.image.width}×{result.image.height} {result.image.format}
                {result.image.preview &&
                  ` · read from the ${result.image.preview.width}×${result.image.preview.height} preview stored in the file` +
                    `, checked against ${result.image.preview.checked_tiles} of its ${result.image.preview.tiles} tiles`}
                {result.image.different_preview &&
                  ' · the preview stored in the file shows another picture, so the picture itself was analysed'}
              </figcaption>
            )}
          </figure>
          {explanation && (
            <figure className="model-input">
              <div className="preview-frame pixelated">
                <img src={explanation.model_input_png} alt="The picture the model analysed" />
                {showHeatmap && <img className="heatmap-overlay" src={explanation.heatmap_png} alt="" />}
              </div>
              <figcaption>What the model saw{inputSizeText && ` (${inputSizeText})`}</figcaption>
            </figure>
          )}
        </div>

        <div className="result-info">
          {status === 'queued' && <p className="status-text">Waiting for its turn…</p>}
          {status === 'uploading' && (
            <div className="status-uploading">
              <div className="progress" role="progressbar" aria-label={`Checking ${name}`} aria-valuetext="Uploading and analysing">
                <div className="progress-bar" />
              </div>
              <p className="status-text">Uploading and analysing…</p>
            </div>
          )}
          {status === 'error' && error && <ErrorNotice problem={error} fileName={name} onRetry={() => onRetry(item.id)} />}
          {status === 'done' && result && verdict && (
            <>
              <VerdictSummary result={verdict} />
              {verdict.unsure && <CantTellAdvice>{nextSteps}</CantTellAdvice>}
              <EvidenceList
                result={result}
                inputSize={inputSize}
                heatmap={
                  explanation && (
                    <div className="heatmap-control">
                      <label className="switch">
                        <input
                          type="checkbox"
                          role="switch"
                          checked={showHeatmap}
                          onChange={(event) => setShowHeatmap(event.target.checked)}
                        />
                        <span className="switch-track" aria-hidden="true" />
                        <span>Show heatmap</span>
                      </label>
                      <p className="hint">
                        How to read it: the stronger the red, the more that part of the picture drove the model’s
                        guess; it is coarse because the model only saw the {inputSizeText ?? 'small'} picture shown
                        next to yours.
                      </p>
                      {showHeatmap && peakHeat < 0.05 && (
                        <p className="hint">The heatmap is blank here: no part of this picture stood out to the model.</p>
                      )}
                    </div>
                  )
                }
              />
              <p className="result-tech">
                Model {result.model_version} · analysed in {Math.round(result.inference_ms * 10) / 10} ms
              </p>
            </>
          )}
        </div>
      </div>
    </article>
  );
}
