import { CameraIcon, QuestionIcon, SparklesIcon } from '@/components/Icons';
import { TableScroll } from '@/components/TableScroll';
import { formatTime } from '@/lib/format';
import {
  BASIS_TEXT,
  BUILTIN_DETECTOR,
  confidenceText,
  formatPercent,
  LABEL_TEXT,
  LEANS,
  VERDICT_TONE,
} from '@/lib/verdict';
import type { VerdictLabel } from '@/types/api';
import type { HistoryEntry } from '../types';

/** What the history is called and where it is kept, in words. */
export interface HistoryWording {
  heading: string;
  /** Where the history is kept and for how long. */
  note: string;
  empty: string;
  /** The table's caption, for screen readers. */
  caption: string;
}

/** The web app's history, kept in the browser tab. */
const SESSION_WORDING: HistoryWording = {
  heading: 'Session history',
  note: 'Kept only in this browser tab, so you can compare images; it is gone when you close the tab or clear it.',
  empty: 'No images checked yet in this session.',
  caption: 'Images checked in this session, newest first',
};

interface HistoryPanelProps {
  entries: HistoryEntry[];
  onClear: () => void;
  /** Another history's words (the browser extension keeps its own). */
  wording?: HistoryWording;
}

const ICONS: Record<VerdictLabel, typeof CameraIcon> = { REAL: CameraIcon, FAKE: SparklesIcon, UNSURE: QuestionIcon };

/** What a verdict rests on; for a model guess, how sure the calibrated answer was or which way it leaned. */
function basisText(entry: HistoryEntry): string {
  if (entry.basis !== 'model') return BASIS_TEXT[entry.basis];
  const chance = typeof entry.confidence === 'number' ? ` (${formatPercent(entry.confidence)})` : '';
  const who = entry.pixelEvidence && entry.pixelEvidence !== BUILTIN_DETECTOR ? `Detector ${entry.pixelEvidence}` : 'Pixel model';
  if (entry.lean) return `${who}, leaning towards ${LEANS[entry.lean]}${chance}`;
  // The confidence words describe the built-in model's reading; a detector's answer stands on its measured band.
  const words = entry.confidenceLevel && who === 'Pixel model' ? `, ${confidenceText(entry.confidenceLevel).toLowerCase()}` : '';
  return `${who}${words}${chance}`;
}

/** How many verdicts of each outcome, e.g. "2 images: 1 AI-generated, 0 real photos, 1 can’t tell." */
function summary(entries: HistoryEntry[]): string {
  const count = (label: VerdictLabel) => entries.filter((entry) => entry.label === label).length;
  const real = count('REAL');
  const images = entries.length === 1 ? '1 image' : `${entries.length} images`;
  return `${images}: ${count('FAKE')} AI-generated, ${real} real photo${real === 1 ? '' : 's'}, ${count('UNSURE')} can’t tell.`;
}

/** Every result of this session (or the extension's last checks) side by side, newest first. */
export function HistoryPanel({ entries, onClear, wording = SESSION_WORDING }: HistoryPanelProps) {
  return (
    <section className="history" aria-labelledby="history-title">
      <div className="section-head">
        <h2 id="history-title">{wording.heading}</h2>
        <button type="button" className="button button-quiet" onClick={onClear} disabled={entries.length === 0}>
          Clear history
        </button>
      </div>
      <p className="muted">{wording.note}</p>
      {entries.length === 0 ? (
        <p className="empty">{wording.empty}</p>
      ) : (
        <>
          <p className="history-summary">{summary(entries)}</p>
          <TableScroll
            caption={wording.caption}
            className="history-table"
            captionClassName="visually-hidden"
          >
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
                const Icon = ICONS[entry.label];
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
                      <span className={`history-verdict tone-${VERDICT_TONE[entry.label]}`}>
                        <Icon />
                        {LABEL_TEXT[entry.label]}
                      </span>
                    </td>
                    <td className="history-basis">{basisText(entry)}</td>
                    <td className="col-time">
                      <time dateTime={entry.checkedAt}>{formatTime(entry.checkedAt)}</time>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </TableScroll>
        </>
      )}
    </section>
  );
}
