import { useId, useState } from 'react';
import { formatBytes } from '@/lib/format';
import { describeVerdict, UNSURE_BAND } from '@/lib/verdict';
import type { UploadItem } from '../hooks/useClassifier';
import { ErrorNotice } from './ErrorNotice';
import { ProbabilityBar } from './ProbabilityBar';
import { VerdictSummary } from './VerdictSummary';

interface ResultCardProps {
  item: UploadItem;
  onRetry: (id: string) => void;
  onRemove: (id: string) => void;
}

/** One file: its preview, its progress, then its verdict or its error. */
export function ResultCard({ item, onRetry, onRemove }: ResultCardProps) {
  const titleId = useId();
  const [showHeatmap, setShowHeatmap] = useState(false);
  const [previewFailed, setPreviewFailed] = useState(false);
  const [natural, setNatural] = useState<{ width: number; height: number } | null>(null);
  const { file, status, result, error } = item;
  const name = file.name || 'Unnamed file';
  const explanation = result?.explanation;
  const verdict = result ? describeVerdict(result.probability_real, result.threshold, result.label) : null;
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
      className={`result-card status-${status}${verdict ? ` tone-${verdict.unsure ? 'unsure' : verdict.label.toLowerCase()}` : ''}`}
      aria-labelledby={titleId}
      aria-busy={busy}
    >
      <header className="result-head">
        <h3 id={titleId} className="result-name" title={name}>
          {name}
        </h3>
        <span className="result-size">{formatBytes(file.size)}</span>
        <button
          type="button"
          className="icon-button"
          onClick={() => onRemove(item.id)}
          aria-label={`Remove ${name}`}
          title="Remove"
        >
          <span aria-hidden="true">×</span>
        </button>
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
              </figcaption>
            )}
          </figure>
          {explanation && (
            <figure className="model-input">
              <div className="preview-frame pixelated">
                <img src={explanation.model_input_png} alt="The 32 × 32 pixel picture the model analysed" />
                {showHeatmap && <img className="heatmap-overlay" src={explanation.heatmap_png} alt="" />}
              </div>
              <figcaption>What the model saw (32×32)</figcaption>
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
              <VerdictSummary verdict={verdict} />
              <ProbabilityBar
                probabilityReal={result.probability_real}
                threshold={result.threshold}
                label={verdict.label}
                unsure={verdict.unsure}
              />
              <p className="legend">
                The line marks the {result.threshold} threshold: above it the verdict is “real photo”.
                The shaded stretch ({UNSURE_BAND.min}–{UNSURE_BAND.max}) is where the model is unsure.
              </p>
              {explanation && (
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
                    How to read it: the stronger the red, the more that part of the picture drove this
                    verdict; it is coarse because the model only saw the 32×32 picture shown next to yours.
                  </p>
                  {showHeatmap && peakHeat < 0.05 && (
                    <p className="hint">The heatmap is blank here: no part of this picture stood out to the model.</p>
                  )}
                </div>
              )}
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
