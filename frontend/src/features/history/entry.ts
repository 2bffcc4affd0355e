import { confidenceLevel } from '@/lib/verdict';
import type { Prediction } from '@/types/api';
import type { HistoryEntry } from './types';

let entryCount = 0;

/** The history's record of one checked picture: its verdict, what it rests on, and when. */
export function historyEntry(filename: string, result: Prediction, thumbnail?: string): HistoryEntry {
  entryCount += 1;
  const { verdict } = result;
  const byModel = verdict.basis === 'model';
  return {
    id: `${Date.now().toString(36)}-${entryCount}`,
    filename: filename || result.filename || 'Unnamed file',
    label: verdict.label,
    basis: verdict.basis,
    lean: verdict.lean,
    confidenceLevel: byModel ? confidenceLevel(result.model_assessment) : null,
    confidence: byModel ? verdict.confidence : null,
    pixelEvidence: byModel ? verdict.pixel_evidence : null,
    modelVersion: result.model_version,
    checkedAt: new Date().toISOString(),
    thumbnail: thumbnail ?? result.explanation?.model_input_png,
  };
}
