import { CameraIcon, QuestionIcon, SparklesIcon } from '@/components/Icons';
import { UNSURE_BAND, type VerdictText } from '@/lib/verdict';

/** The verdict in words, icon and colour, with the confidence in plain language. */
export function VerdictSummary({ verdict }: { verdict: VerdictText }) {
  const tone = verdict.unsure ? 'unsure' : verdict.label === 'REAL' ? 'real' : 'fake';
  const Icon = verdict.label === 'REAL' ? CameraIcon : SparklesIcon;
  return (
    <div className={`verdict tone-${tone}`}>
      <p className="verdict-line">
        <span className="verdict-label">
          <Icon className="verdict-icon" />
          <span>{verdict.title}</span>
        </span>
        <span className={`badge badge-${tone}`}>
          {verdict.unsure && <QuestionIcon />}
          {verdict.confidenceText}
        </span>
      </p>
      <p className="verdict-sentence">{verdict.sentence}</p>
      {verdict.unsure && (
        <p className="verdict-note">
          Results with P(REAL) between {UNSURE_BAND.min} and {UNSURE_BAND.max} are marked unsure: the
          label still follows the threshold, but the model cannot really tell.
        </p>
      )}
    </div>
  );
}
