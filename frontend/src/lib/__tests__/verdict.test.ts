import { describe, expect, it } from 'vitest';
import { describeVerdict, formatPercent, isUnsure, UNSURE_BAND } from '@/lib/verdict';

describe('the unsure band', () => {
  it('is 0.35 to 0.65, both ends included', () => {
    expect(UNSURE_BAND).toEqual({ min: 0.35, max: 0.65 });
    expect(isUnsure(0.35)).toBe(true);
    expect(isUnsure(0.5)).toBe(true);
    expect(isUnsure(0.65)).toBe(true);
    expect(isUnsure(0.349)).toBe(false);
    expect(isUnsure(0.651)).toBe(false);
  });

  it('keeps the label given by the 0.5 threshold while saying the model is unsure', () => {
    const leansReal = describeVerdict(0.55);
    expect(leansReal).toMatchObject({ label: 'REAL', title: 'Real photo', unsure: true, confidenceText: 'Unsure' });
    expect(leansReal.sentence).toMatch(/unsure: it leans towards a real photo \(55%\)/);

    const leansFake = describeVerdict(0.45);
    expect(leansFake).toMatchObject({ label: 'FAKE', title: 'AI-generated', unsure: true });
    expect(leansFake.sentence).toMatch(/leans towards made by an image generator \(55%\)/);

    // Exactly on the threshold is not above it: FAKE.
    expect(describeVerdict(0.5).label).toBe('FAKE');
  });
});

describe('describeVerdict', () => {
  it.each([
    [0.99, 'REAL', 'Very confident'],
    [0.9, 'REAL', 'Confident'],
    [0.7, 'REAL', 'Fairly confident'],
    [0.3, 'FAKE', 'Fairly confident'],
    [0.1, 'FAKE', 'Confident'],
    [0.01, 'FAKE', 'Very confident'],
  ] as const)('P(REAL) %f is %s, %s', (p, label, confidenceText) => {
    const verdict = describeVerdict(p);
    expect(verdict).toMatchObject({ label, confidenceText, unsure: false });
  });

  it('follows the label sent by the server', () => {
    expect(describeVerdict(0.7, 0.8, 'FAKE')).toMatchObject({ label: 'FAKE', title: 'AI-generated' });
  });

  it('writes a plain sentence', () => {
    expect(describeVerdict(0.03).sentence).toBe('The model is very confident (97%) that this is made by an image generator.');
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
