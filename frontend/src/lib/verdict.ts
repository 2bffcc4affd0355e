/**
 * How a result is put into words and colour. Shared by the result cards, the
 * history and the live announcements.
 *
 * The server decides everything: the verdict and its basis (`verdict`), the
 * pixel model's calibrated confidence, whether it is unsure or outside what it
 * was trained on (`model_assessment`). This module only formats what it said.
 */
import type { Label, ModelAssessment, Prediction, Verdict, VerdictBasis, VerdictLabel } from '@/types/api';

export const LABEL_TEXT: Record<VerdictLabel, string> = {
  REAL: 'Real photo',
  FAKE: 'AI-generated',
  UNSURE: 'Can’t tell',
};

/** What the verdict rests on, in a few words (headline badge and history). */
export const BASIS_TEXT: Record<VerdictBasis, string> = {
  content_credentials: 'Content Credentials',
  metadata: 'The file’s own metadata',
  model: 'The pixel model’s guess',
};

/** The name the server gives the built-in 32x32 model among pixel evidence (`verdict.pixel_evidence`). */
export const BUILTIN_DETECTOR = 'builtin';
/** The name of the stacked combination of brought detectors. */
export const COMBINED_DETECTORS = 'combined';

/** Who speaks for the pixels, in a sentence: "the pixel model", "the detector vit-base" or "the combined detectors". */
export function pixelEvidenceName(name: string | null | undefined): string {
  if (!name || name === BUILTIN_DETECTOR) return 'the pixel model';
  if (name === COMBINED_DETECTORS) return 'the combined detectors';
  return `the detector ${name}`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** What a verdict rests on, in a few words: the basis, naming the brought detector it rests on. */
export function basisText(verdict: Pick<Verdict, 'basis' | 'pixel_evidence'>): string {
  if (verdict.basis !== 'model' || !verdict.pixel_evidence || verdict.pixel_evidence === BUILTIN_DETECTOR) {
    return BASIS_TEXT[verdict.basis];
  }
  return `${capitalised(pixelEvidenceName(verdict.pixel_evidence))}’s guess`;
}

/** A colour: a label's, "unsure" for the pixel model's unsure reading, or the neutral one of "can't tell". */
export type Tone = 'real' | 'fake' | 'unsure' | 'cant-tell';

/** The one place that turns a verdict into a colour: "can't tell" has its own, neither REAL's nor AI's. */
export const VERDICT_TONE: Record<VerdictLabel, Tone> = { REAL: 'real', FAKE: 'fake', UNSURE: 'cant-tell' };

/** The colour of the pixel model's own reading (the evidence line): its label's, or "unsure". */
export function toneOf(label: Label, unsure: boolean): Tone {
  if (unsure) return 'unsure';
  return label === 'REAL' ? 'real' : 'fake';
}

export function formatPercent(value: number): string {
  const percent = value * 100;
  if (percent > 99.5 && percent < 100) return '>99%';
  if (percent < 0.5 && percent > 0) return '<1%';
  return `${Math.round(percent)}%`;
}

export type ConfidenceLevel = 'unsure' | 'fair' | 'high' | 'very-high';

const CONFIDENCE_TEXT: Record<ConfidenceLevel, string> = {
  unsure: 'Unsure',
  fair: 'Fairly confident',
  high: 'Confident',
  'very-high': 'Very confident',
};

/**
 * Minimum measured accuracy on the picture's kind of input for each wording:
 * the words never claim more than the tests showed, whatever the confidence.
 */
export const WORDING_NEEDS_ACCURACY = { 'very-high': 0.95, high: 0.8 } as const;

/**
 * The confidence wording of a pixel-model answer, from its calibrated
 * confidence and the accuracy measured on that kind of input. Unsure when the
 * server says so; at most "fairly confident" when the picture is outside what
 * the model has seen or its accuracy on such pictures was never measured.
 */
export function confidenceLevel(
  assessment: Pick<ModelAssessment, 'confidence' | 'measured_accuracy' | 'unsure' | 'out_of_distribution'>,
): ConfidenceLevel {
  if (assessment.unsure) return 'unsure';
  const accuracy = assessment.measured_accuracy;
  if (assessment.out_of_distribution || accuracy === null) return 'fair';
  const { confidence } = assessment;
  if (confidence >= 0.95 && accuracy >= WORDING_NEEDS_ACCURACY['very-high']) return 'very-high';
  if (confidence >= 0.8 && accuracy >= WORDING_NEEDS_ACCURACY.high) return 'high';
  return 'fair';
}

export function confidenceText(level: ConfidenceLevel): string {
  return CONFIDENCE_TEXT[level];
}

/**
 * The measured accuracy in words: "On pictures like this (…), the model was
 * right about 58% of the time in our tests." or that it was never measured.
 */
export function accuracySentence(
  assessment: Pick<ModelAssessment, 'measured_accuracy' | 'input_kind_description'>,
): string {
  const kind = assessment.input_kind_description;
  if (assessment.measured_accuracy === null) {
    return `How often the model is right on pictures like this (${kind}) has not been measured, so treat its answer as a rough hint.`;
  }
  return `On pictures like this (${kind}), the model was right about ${formatPercent(assessment.measured_accuracy)} of the time in our tests.`;
}

const WHAT: Record<Label, string> = { REAL: 'a real photo', FAKE: 'made by an image generator' };
/** Measured accuracy from which the lean line no longer says "only". */
const USUALLY_RIGHT = 0.8;

export const LEANS: Record<Label, string> = { REAL: 'a real photo', FAKE: 'an AI-generated picture' };

/**
 * The line under "Can't tell": which way the leading pixel evidence leans and how
 * often it was right on such pictures, e.g. "The pixel model leans towards a real
 * photo (54%), but on pictures like this it was right only 58% of the time." Null
 * for any other verdict.
 */
export function leanSentence(
  verdict: Pick<Verdict, 'lean' | 'confidence' | 'measured_accuracy'> & Partial<Pick<Verdict, 'pixel_evidence'>>,
): string | null {
  if (!verdict.lean) return null;
  const chance = verdict.confidence === null ? '' : ` (${formatPercent(verdict.confidence)})`;
  const towards = `${capitalised(pixelEvidenceName(verdict.pixel_evidence))} leans towards ${LEANS[verdict.lean]}${chance}`;
  if (verdict.measured_accuracy === null) {
    return `${towards}, but how often it is right on pictures like this has not been measured.`;
  }
  const accuracy = formatPercent(verdict.measured_accuracy);
  // "only" would mislead where the model is usually right (an unsure thumbnail): say it is unsure of this one.
  if (verdict.measured_accuracy >= USUALLY_RIGHT) {
    return `${towards}, but is unsure of this one (on pictures like this it was right ${accuracy} of the time).`;
  }
  return `${towards}, but on pictures like this it was right only ${accuracy} of the time.`;
}

/** One sentence on the pixel model's answer, e.g. "The model is confident (91%) that this is a real photo." */
export function modelSentence(assessment: ModelAssessment): string {
  const level = confidenceLevel(assessment);
  const chance = formatPercent(assessment.confidence);
  if (level === 'unsure') {
    return `The model is unsure: it leans towards ${LEANS[assessment.label]} (${chance}), which is too close to call. Treat it as a guess.`;
  }
  return `The model is ${confidenceText(level).toLowerCase()} (${chance}) that this is ${WHAT[assessment.label]}.`;
}

export interface ResultText {
  label: VerdictLabel;
  /** "Real photo", "AI-generated" or "Can't tell". */
  title: string;
  basis: VerdictBasis;
  /** What it rests on, e.g. "Content Credentials". */
  basisText: string;
  /** The server's one plain sentence. */
  summary: string;
  /** The verdict is "can't tell": the server found nothing that settles it. */
  unsure: boolean;
  /** Only for "can't tell": which way the pixel model leans, and how often it was right. */
  lean: string | null;
  tone: Tone;
  /**
   * Badge words of a model verdict, e.g. "Very confident"; for "can't tell", why
   * ("Unsure", "Unfamiliar picture"); null when evidence decided.
   */
  confidenceText: string | null;
}

/** The badge of a "can't tell": the model is unsure, or has never seen a picture like this. */
function unsureBadge(assessment: ModelAssessment): string {
  return assessment.unsure ? confidenceText('unsure') : 'Unfamiliar picture';
}

/** Everything the headline of a result says, from the server's verdict. */
export function describeResult(prediction: Prediction): ResultText {
  const { verdict, model_assessment: assessment } = prediction;
  const unsure = verdict.label === 'UNSURE';
  let badge: string | null = null;
  if (unsure) badge = unsureBadge(assessment);
  else if (verdict.basis === 'model') badge = confidenceText(confidenceLevel(assessment));
  return {
    label: verdict.label,
    title: LABEL_TEXT[verdict.label],
    basis: verdict.basis,
    basisText: basisText(verdict),
    summary: verdict.summary,
    unsure,
    lean: leanSentence(verdict),
    tone: VERDICT_TONE[verdict.label],
    confidenceText: badge,
  };
}
