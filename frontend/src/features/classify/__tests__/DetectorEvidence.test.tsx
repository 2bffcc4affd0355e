import { render, screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ClassifyPanel } from '@/features/classify/components/ClassifyPanel';
import { HistoryPanel } from '@/features/history/components/HistoryPanel';
import { historyEntry } from '@/features/history/entry';
import { imageFile } from '@/testing/files';
import { makeAssessment, makePrediction, photoAssessment } from '@/testing/mocks/data';
import { server } from '@/testing/mocks/server';
import { fileInput, renderWithAnnouncer } from '@/testing/render';
import type { DetectorEvidence, Prediction } from '@/types/api';

/** A measured detector's line as the server sends it. */
function detectorLine(overrides: Partial<DetectorEvidence> = {}): DetectorEvidence {
  return {
    name: 'vit-detector',
    label: 'FAKE',
    confidence: 0.96,
    input_kind: 'photo',
    band: { from: 0.9, to: 1, pictures: 212, accuracy: 0.94 },
    unsure: false,
    kind_measured: true,
    measured_on: '1,034 photos from 6 sources, each judged with a calibration fitted on the others',
    mean_source_roc_auc: 0.87,
    combines: null,
    note: null,
    ...overrides,
  };
}

/** A photo the built-in model leans REAL on, with the given detector lines and verdict. */
function photoAnswer(detectors: DetectorEvidence[], verdict: Partial<Prediction['verdict']>): Prediction {
  const base = makePrediction(0.8, { model_assessment: { ...makeAssessment(0.8), ...photoAssessment(0.71) } });
  return { ...base, detectors, verdict: { ...base.verdict, ...verdict } };
}

async function check(name: string, answer: Prediction) {
  server.use(http.post('/api/predict', () => HttpResponse.json({ ...answer, filename: name })));
  const { user } = renderWithAnnouncer(<ClassifyPanel />);
  await user.upload(fileInput(), imageFile(name));
  const card = await screen.findByRole('article', { name });
  const list = await within(card).findByRole('list', { name: 'Evidence' });
  return { card, list };
}

describe('brought detectors in the evidence list', () => {
  it('adds a line per measured detector, after the pixel model, with how often such answers were right', async () => {
    const answer = photoAnswer([detectorLine()], {
      label: 'FAKE',
      lean: null,
      confidence: 0.96,
      measured_accuracy: 0.94,
      pixel_evidence: 'vit-detector',
      summary: 'The detector vit-detector guesses AI-generated (96% confidence); nothing in the file’s metadata settles the question.',
    });
    const { card, list } = await check('street.jpg', answer);
    const titles = within(list)
      .getAllByRole('listitem', { name: /./ })
      .map((item) => item.querySelector('.evidence-title')?.textContent);
    expect(titles).toEqual(['Content Credentials', 'Generator metadata', 'Camera metadata', 'Pixel model', 'Detector: vit-detector']);

    const line = within(list).getByRole('listitem', { name: 'Detector: vit-detector' });
    expect(line).toHaveTextContent('Leans AI-generated (96%)');
    expect(line).toHaveTextContent(
      'On sources it never saw, its answers on photos at 90%–100% confidence were right 94% of the time (212 pictures).',
    );
    expect(line).toHaveTextContent('Mean ROC-AUC per held-out source: 0.87');
    expect(line).toHaveTextContent('The verdict above rests on this detector.');
    // The built-in model's line says the verdict is not its own, and the headline names the detector.
    expect(within(list).getByRole('listitem', { name: 'Pixel model' })).toHaveTextContent(
      'The verdict above rests on the detector vit-detector, not on this model’s guess.',
    );
    expect(within(card.querySelector('.verdict') as HTMLElement).getByText('The detector vit-detector’s guess')).toBeInTheDocument();
  });

  it('shows a detector that did not earn the verdict beside it, and the lean of the one that leads', async () => {
    const weak = detectorLine({ band: { from: 0.9, to: 1, pictures: 212, accuracy: 0.81 } });
    const answer = photoAnswer([weak], {
      label: 'UNSURE',
      lean: 'FAKE',
      confidence: 0.96,
      measured_accuracy: 0.81,
      pixel_evidence: 'vit-detector',
      summary: 'Can’t tell: answers like this from the detector vit-detector were right 81% of the time on 212 held-out pictures of this kind, too few or too seldom to decide, and nothing in the file’s metadata settles the question.',
    });
    const { card, list } = await check('harbour.jpg', answer);
    expect(within(list).getByRole('listitem', { name: 'Detector: vit-detector' })).toHaveTextContent('right 81% of the time');
    expect(card).toHaveTextContent(
      'The detector vit-detector leans towards an AI-generated picture (96%), but is unsure of this one (on pictures like this it was right 81% of the time).',
    );
  });

  it('says why a detector gave no answer: skipped for time, or never measured on this kind of picture', async () => {
    const skipped = detectorLine({
      label: null,
      confidence: null,
      band: null,
      note: 'Skipped for this request: it takes about 4.2 s for these pictures, more than its share (1.5 s) of the time left.',
    });
    const unmeasured = detectorLine({
      name: 'faces-only',
      input_kind: 'thumbnail',
      kind_measured: false,
      band: null,
      measured_on: null,
      note: 'Not measured on thumbnails from at least two sources: its answer cannot be judged.',
    });
    const { list } = await check('tiny.png', photoAnswer([skipped, unmeasured], {}));
    const first = within(list).getByRole('listitem', { name: 'Detector: vit-detector' });
    expect(first).toHaveTextContent('Skipped');
    expect(first).toHaveTextContent('more than its share (1.5 s) of the time left');
    expect(within(list).getByRole('listitem', { name: 'Detector: faces-only' })).toHaveTextContent(
      'Not measured on thumbnails from at least two sources',
    );
    expect(within(list).queryByText(/rests on this detector/)).not.toBeInTheDocument();
  });

  it('names the detector a verdict rested on in the history', () => {
    const answer = photoAnswer([detectorLine()], { label: 'FAKE', lean: null, confidence: 0.96, pixel_evidence: 'vit-detector' });
    render(<HistoryPanel entries={[historyEntry('street.jpg', answer)]} onClear={() => {}} />);
    expect(screen.getByRole('table')).toHaveTextContent('Detector vit-detector (96%)');
  });
});
