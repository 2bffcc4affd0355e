/**
 * How a prediction is put into words. Shared by the results and the history.
 */
import type { Label } from '@/types/api';

/**
 * P(REAL) values in this closed interval are "too close to call": the label
 * still follows the model's threshold (0.5), but the app says the model is unsure.
 */
export const UNSURE_BAND = { min: 0.35, max: 0.65 } as const;

/** The model's decision threshold when the server does not send one. */
export const DEFAULT_THRESHOLD = 0.5;

export const LABEL_TEXT: Record<Label, string> = {
  REAL: 'Real photo',
  FAKE: 'AI-generated',
};

export function isUnsure(probabilityReal: number): boolean {
  return probabilityReal >= UNSURE_BAND.min && probabilityReal <= UNSURE_BAND.max;
}

export function formatPercent(value: number): string {
  const percent = value * 100;
  if (percent > 99.5 && percent < 100) return '>99%';
  if (percent < 0.5 && percent > 0) return '<1%';
  return `${Math.round(percent)}%`;
}

export type ConfidenceLevel = 'unsure' | 'fair' | 'high' | 'very-high';

export interface VerdictText {
  label: Label;
  /** "Real photo" or "AI-generated". */
  title: string;
  unsure: boolean;
  level: ConfidenceLevel;
  /** Short wording of the confidence, e.g. "Very confident". */
  confidenceText: string;
  /** One plain sentence about the verdict. */
  sentence: string;
}

/**
 * The verdict in words for a probability of REAL. The label is the server's
 * when given, otherwise REAL iff the probability is above the threshold.
 */
export function describeVerdict(
  probabilityReal: number,
  threshold = DEFAULT_THRESHOLD,
  serverLabel?: Label,
): VerdictText {
  const label: Label = serverLabel ?? (probabilityReal > threshold ? 'REAL' : 'FAKE');
  const confidence = label === 'REAL' ? probabilityReal : 1 - probabilityReal;
  const title = LABEL_TEXT[label];
  const what = label === 'REAL' ? 'a real photo' : 'made by an image generator';
  const chance = formatPercent(confidence);

  if (isUnsure(probabilityReal)) {
    return {
      label,
      title,
      unsure: true,
      level: 'unsure',
      confidenceText: 'Unsure',
      sentence: `The model is unsure: it leans towards ${what} (${chance}), which is too close to the ${formatPercent(threshold)} threshold to rely on. Treat this verdict as a guess.`,
    };
  }
  const level: ConfidenceLevel = confidence >= 0.95 ? 'very-high' : confidence >= 0.8 ? 'high' : 'fair';
  const confidenceText = { 'very-high': 'Very confident', high: 'Confident', fair: 'Fairly confident' }[level];
  return {
    label,
    title,
    unsure: false,
    level,
    confidenceText,
    sentence: `The model is ${confidenceText.toLowerCase()} (${chance}) that this is ${what}.`,
  };
}
