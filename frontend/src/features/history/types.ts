import type { ConfidenceLevel } from '@/lib/verdict';
import type { Label, VerdictBasis } from '@/types/api';

/** One checked image, as remembered in this browser tab. */
export interface HistoryEntry {
  id: string;
  filename: string;
  /** The combined verdict's label and what it rests on. */
  label: Label;
  basis: VerdictBasis;
  /** For a model verdict: the wording of its calibrated confidence; null when evidence decided. */
  confidenceLevel: ConfidenceLevel | null;
  /** For a model verdict: the calibrated confidence the server sent. */
  confidence: number | null;
  modelVersion: string;
  /** ISO date-time of the check. */
  checkedAt: string;
  /** Small data URL picture, when one could be made. */
  thumbnail?: string;
}
