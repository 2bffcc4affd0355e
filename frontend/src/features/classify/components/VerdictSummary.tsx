import { CameraIcon, QuestionIcon, ShieldIcon, SparklesIcon } from '@/components/Icons';
import type { ResultText } from '@/lib/verdict';
import type { VerdictLabel } from '@/types/api';

const ICONS: Record<VerdictLabel, typeof CameraIcon> = { REAL: CameraIcon, FAKE: SparklesIcon, UNSURE: QuestionIcon };

/** What the headline badge says: how sure a model guess is, or that the file's own evidence decided. */
function badgeText(result: ResultText): string {
  switch (result.basis) {
    case 'content_credentials':
      return 'Signed Content Credentials';
    case 'metadata':
      return 'Declared in the file';
    case 'model':
      return result.confidenceText ?? 'Model guess';
  }
}

/**
 * The combined verdict, in words, icon and colour, with what it rests on. A
 * verdict from credentials or metadata shows no percentage: it is not a guess.
 * "Can't tell" leads in its own neutral colour, with the model's lean in
 * smaller words below it.
 */
export function VerdictSummary({ result }: { result: ResultText }) {
  const Icon = ICONS[result.label];
  const byEvidence = result.basis !== 'model';
  return (
    <div className={`verdict tone-${result.tone}`}>
      <p className="verdict-line">
        <span className="verdict-label">
          <Icon className="verdict-icon" />
          <span>{result.title}</span>
        </span>
        <span className={`badge badge-${result.tone}`}>
          {byEvidence && <ShieldIcon />}
          {badgeText(result)}
        </span>
      </p>
      {result.lean && <p className="verdict-lean">{result.lean}</p>}
      <p className="verdict-sentence">{result.summary}</p>
      <p className="verdict-basis">
        Based on: <strong>{result.basisText}</strong>
      </p>
    </div>
  );
}
