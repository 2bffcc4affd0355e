import type { ConfidenceLevel } from '@/lib/verdict';
import type { Label, VerdictBasis, VerdictLabel } from '@/types/api';

/** One checked image, as remembered in this browser tab. */
export interface HistoryEntry {
  id: string;
  filename: string;
  /** The combined verdict's label (REAL, FAKE or UNSURE: "can't tell") and what it rests on. */
  label: VerdictLabel;
  basis: VerdictBasis;
  /** For "can't tell": which way the pixel model leaned; otherwise null. */
  lean: Label | null;
  /** For a model verdict: the wording of its calibrated confidence; null when evidence decided. */
  confidenceLevel: ConfidenceLevel | null;
  /** For a model verdict: the calibrated confidence the server sent. */
  confidence: number | null;
  /** For a model verdict: the pixel evidence it rests on ('builtin' or a brought detector's name); absent in older entries. */
  pixelEvidence?: string | null;
  modelVersion: string;
  /** ISO date-time of the check. */
  checkedAt: string;
  /** Small data URL picture, when one could be made. */
  thumbnail?: string;
}
