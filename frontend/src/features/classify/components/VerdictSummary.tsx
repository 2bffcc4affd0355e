import { CameraIcon, QuestionIcon, ShieldIcon, SparklesIcon } from '@/components/Icons';
import type { ResultText } from '@/lib/verdict';

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
 */
export function VerdictSummary({ result }: { result: ResultText }) {
  const Icon = result.label === 'REAL' ? CameraIcon : SparklesIcon;
  const byEvidence = result.basis !== 'model';
  return (
    <div className={`verdict tone-${result.tone}`}>
      <p className="verdict-line">
        <span className="verdict-label">
          <Icon className="verdict-icon" />
          <span>{result.title}</span>
        </span>
        <span className={`badge badge-${result.tone}`}>
          {result.unsure && <QuestionIcon />}
          {byEvidence && <ShieldIcon />}
          {badgeText(result)}
        </span>
      </p>
      <p className="verdict-sentence">{result.summary}</p>
      <p className="verdict-basis">
        Based on: <strong>{result.basisText}</strong>
      </p>
    </div>
  );
}
