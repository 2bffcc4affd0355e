import { describe, expect, it } from 'vitest';
import {
  accuracySentence,
  confidenceLevel,
  describeResult,
  formatPercent,
  leanSentence,
  modelSentence,
  toneOf,
  VERDICT_TONE,
} from '@/lib/verdict';
import {
  generatorMetadataPrediction,
  makeAssessment,
  makePrediction,
  photoAssessment,
  signedAiPrediction,
} from '@/testing/mocks/data';

const assessment = (confidence: number, measured_accuracy: number | null, extra = {}) => ({
  confidence,
  measured_accuracy,
  unsure: false,
  out_of_distribution: false,
  ...extra,
});

describe('confidence words, from the calibrated figure and the measured accuracy', () => {
  it.each([
    [0.99, 0.978, 'very-high'],
    [0.95, 0.95, 'very-high'],
    [0.9, 0.978, 'high'],
    [0.7, 0.978, 'fair'],
    [0.8, 0.8, 'high'],
  ] as const)('confidence %f where the model was right %f of the time: %s', (confidence, accuracy, level) => {
    expect(confidenceLevel(assessment(confidence, accuracy))).toBe(level);
  });

  it('never says "very confident" where the measured accuracy does not support it', () => {
    // Calibrated 99% sure, but on this kind of picture the model was right only 94% / 62% of the time.
    expect(confidenceLevel(assessment(0.99, 0.94))).toBe('high');
    expect(confidenceLevel(assessment(0.99, 0.62))).toBe('fair');
  });

  it('claims little when the accuracy was never measured or the picture is unlike the training data', () => {
    expect(confidenceLevel(assessment(0.99, null))).toBe('fair');
    expect(confidenceLevel(assessment(0.99, 0.978, { out_of_distribution: true }))).toBe('fair');
  });

  it('says unsure whenever the server does, whatever the numbers', () => {
    expect(confidenceLevel(assessment(0.99, 0.978, { unsure: true }))).toBe('unsure');
  });
});

describe('the pixel model in words', () => {
  it('states the measured accuracy for the kind of picture', () => {
    const photo = { ...makeAssessment(0.9), ...photoAssessment(0.71) };
    expect(accuracySentence(photo)).toBe(
      'On pictures like this (larger pictures, like today’s photos and generated images), the model was right about 62% of the time in our tests.',
    );
    expect(accuracySentence({ ...photo, measured_accuracy: null })).toMatch(
      /^How often the model is right on pictures like this \(larger pictures.*\) has not been measured/,
    );
  });

  it('uses the calibrated confidence, not the raw probability', () => {
    // Raw P(REAL) 0.97, but calibrated for a photo the model is 71% sure, right 62% of the time.
    const photo = { ...makeAssessment(0.97), ...photoAssessment(0.71) };
    expect(modelSentence(photo)).toBe('The model is fairly confident (71%) that this is a real photo.');
    expect(modelSentence(makeAssessment(0.03))).toBe(
      'The model is very confident (97%) that this is made by an image generator.',
    );
    expect(modelSentence(makeAssessment(0.55))).toMatch(/^The model is unsure: it leans towards a real photo \(55%\)/);
  });
});

describe('describeResult', () => {
  it('leads with the server’s verdict and its basis', () => {
    expect(describeResult(signedAiPrediction(0.9))).toMatchObject({
      label: 'FAKE',
      title: 'AI-generated',
      basis: 'content_credentials',
      basisText: 'Content Credentials',
      tone: 'fake',
      unsure: false,
      // Evidence decided: no confidence words, even though the model said REAL.
      confidenceText: null,
    });
    expect(describeResult(generatorMetadataPrediction())).toMatchObject({ basis: 'metadata', confidenceText: null });
  });

  it('words a model verdict from the calibrated answer', () => {
    expect(describeResult(makePrediction(0.97))).toMatchObject({
      label: 'REAL',
      title: 'Real photo',
      basis: 'model',
      tone: 'real',
      unsure: false,
      lean: null,
      confidenceText: 'Very confident',
    });
    expect(describeResult(makePrediction(0.03))).toMatchObject({ title: 'AI-generated', tone: 'fake', lean: null });
  });

  it('leads with “Can’t tell” when the server’s verdict is UNSURE, with the model’s lean below it', () => {
    const unsure = makePrediction(0.55);
    expect(describeResult(unsure)).toEqual({
      label: 'UNSURE',
      title: 'Can’t tell',
      basis: 'model',
      basisText: 'The pixel model’s guess',
      summary: unsure.verdict.summary,
      unsure: true,
      lean: 'The pixel model leans towards a real photo (55%), but is unsure of this one (on pictures like this it was right 98% of the time).',
      tone: 'cant-tell',
      confidenceText: 'Unsure',
    });
    const unfamiliar = makePrediction(0.97, {
      model_assessment: { ...makeAssessment(0.97), ...photoAssessment(0.71), out_of_distribution: true },
    });
    expect(describeResult(unfamiliar)).toMatchObject({ title: 'Can’t tell', confidenceText: 'Unfamiliar picture' });
  });
});

describe('leanSentence', () => {
  it('puts the lean of a “can’t tell” verdict into words, and nothing for other verdicts', () => {
    expect(leanSentence({ lean: 'REAL', confidence: 0.54, measured_accuracy: 0.58 })).toBe(
      'The pixel model leans towards a real photo (54%), but on pictures like this it was right only 58% of the time.',
    );
    expect(leanSentence({ lean: 'FAKE', confidence: 0.6, measured_accuracy: null })).toBe(
      'The pixel model leans towards an AI-generated picture (60%), but how often it is right on pictures like this has not been measured.',
    );
    expect(leanSentence({ lean: null, confidence: 0.97, measured_accuracy: 0.98 })).toBeNull();
  });
});

describe('colours', () => {
  it('gives each verdict its own colour: “can’t tell” is neither REAL’s nor AI’s', () => {
    expect(VERDICT_TONE).toEqual({ REAL: 'real', FAKE: 'fake', UNSURE: 'cant-tell' });
  });

  it('colours the model’s own reading by its label, or unsure', () => {
    expect(toneOf('REAL', false)).toBe('real');
    expect(toneOf('FAKE', false)).toBe('fake');
    expect(toneOf('FAKE', true)).toBe('unsure');
  });
});

describe('formatPercent', () => {
  it('rounds, without claiming certainty', () => {
    expect(formatPercent(0.973)).toBe('97%');
    expect(formatPercent(0.9999)).toBe('>99%');
    expect(formatPercent(0.0001)).toBe('<1%');
    expect(formatPercent(1)).toBe('100%');
  });
});
