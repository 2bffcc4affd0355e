import { formatPercent, type Tone } from '@/lib/verdict';

interface ProbabilityBarProps {
  probabilityReal: number;
  threshold: number;
  tone: Tone;
}

const pct = (value: number) => `${Math.min(100, Math.max(0, value * 100))}%`;

/**
 * The pixel model's raw output, P(REAL), on a 0–1 scale: the fill is the
 * probability, the line is the decision threshold the server sent.
 */
export function ProbabilityBar({ probabilityReal, threshold, tone }: ProbabilityBarProps) {
  return (
    <div className="pbar">
      <div className="pbar-head">
        <span className="pbar-caption">Model output, P(REAL)</span>
        <strong className="pbar-value">{probabilityReal.toFixed(3)}</strong>
      </div>
      <div
        className={`pbar-track tone-${tone}`}
        role="meter"
        aria-label="Probability that the image is a real photo"
        aria-valuemin={0}
        aria-valuemax={1}
        aria-valuenow={probabilityReal}
        aria-valuetext={`${formatPercent(probabilityReal)} chance of a real photo; the threshold is ${formatPercent(threshold)}`}
      >
        <div className="pbar-fill" style={{ width: pct(probabilityReal) }} />
        <div className="pbar-threshold" style={{ left: pct(threshold) }} />
      </div>
      <div className="pbar-scale" aria-hidden="true">
        <span>0 · AI-generated</span>
        <span className="pbar-scale-threshold" style={{ left: pct(threshold) }}>
          {threshold} threshold
        </span>
        <span>1 · Real photo</span>
      </div>
    </div>
  );
}
