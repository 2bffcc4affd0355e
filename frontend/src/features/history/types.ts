import type { Label } from '@/types/api';

/** One checked image, as remembered in this browser tab. */
export interface HistoryEntry {
  id: string;
  filename: string;
  label: Label;
  probabilityReal: number;
  threshold: number;
  modelVersion: string;
  /** ISO date-time of the check. */
  checkedAt: string;
  /** Small data URL picture, when one could be made. */
  thumbnail?: string;
}
