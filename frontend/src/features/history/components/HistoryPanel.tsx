import { CameraIcon, QuestionIcon, SparklesIcon } from '@/components/Icons';
import { formatTime } from '@/lib/format';
import { BASIS_TEXT, confidenceText, formatPercent, LABEL_TEXT, toneOf, type ConfidenceLevel } from '@/lib/verdict';
import type { HistoryEntry } from '../types';

interface HistoryPanelProps {
  entries: HistoryEntry[];
  onClear: () => void;
}

const isUnsure = (entry: HistoryEntry) => entry.basis === 'model' && entry.confidenceLevel === 'unsure';

/** What a verdict rests on; for a model guess, how sure the calibrated answer was. */
function basisText(entry: HistoryEntry): string {
  if (entry.basis !== 'model') return BASIS_TEXT[entry.basis];
  const level: ConfidenceLevel | null = entry.confidenceLevel;
  const words = level ? `, ${confidenceText(level).toLowerCase()}` : '';
  const chance = typeof entry.confidence === 'number' ? ` (${formatPercent(entry.confidence)})` : '';
  return `Pixel model${words}${chance}`;
}

function summary(entries: HistoryEntry[]): string {
  const real = entries.filter((entry) => entry.label === 'REAL').length;
  const fake = entries.length - real;
  const unsure = entries.filter(isUnsure).length;
  const images = entries.length === 1 ? '1 image' : `${entries.length} images`;
  return `${images}: ${real} real photo${real === 1 ? '' : 's'}, ${fake} AI-generated${unsure ? `, ${unsure} of them unsure` : ''}.`;
}

/** Every result of this session side by side, newest first. */
export function HistoryPanel({ entries, onClear }: HistoryPanelProps) {
  return (
    <section className="history" aria-labelledby="history-title">
      <div className="section-head">
        <h2 id="history-title">Session history</h2>
        <button type="button" className="button button-quiet" onClick={onClear} disabled={entries.length === 0}>
          Clear history
        </button>
      </div>
      <p className="muted">
        Kept only in this browser tab, so you can compare images; it is gone when you close the tab
        or clear it.
      </p>
      {entries.length === 0 ? (
        <p className="empty">No images checked yet in this session.</p>
      ) : (
        <>
          <p className="history-summary">{summary(entries)}</p>
          <div className="table-wrap">
            <table className="history-table">
              <caption className="visually-hidden">Images checked in this session, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Image</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Based on</th>
                  <th scope="col" className="col-time">
                    Checked
                  </th>
                </tr>
              </thead>
              <tbody>
                {entries.map((entry) => {
                  const unsure = isUnsure(entry);
                  const tone = toneOf(entry.label, unsure);
                  const Icon = entry.label === 'REAL' ? CameraIcon : SparklesIcon;
                  return (
                    <tr key={entry.id}>
                      <th scope="row">
                        <span className="history-file-inner">
                          {entry.thumbnail ? (
                            <img className="history-thumb" src={entry.thumbnail} alt="" />
                          ) : (
                            <span className="history-thumb" aria-hidden="true" />
                          )}
                          <span className="history-name" title={entry.filename}>
                            {entry.filename}
                          </span>
                        </span>
                      </th>
                      <td>
                        <span className={`history-verdict tone-${tone}`}>
                          <Icon />
                          {LABEL_TEXT[entry.label]}
                        </span>
                        {unsure && (
                          <span className="history-unsure">
                            <QuestionIcon /> unsure
                          </span>
                        )}
                      </td>
                      <td className="history-basis">{basisText(entry)}</td>
                      <td className="col-time">
                        <time dateTime={entry.checkedAt}>{formatTime(entry.checkedAt)}</time>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
