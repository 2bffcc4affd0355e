import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ClassifyPanel } from '@/features/classify/components/ClassifyPanel';
import { imageFile } from '@/testing/files';
import {
  INVALID_CREDENTIALS,
  makeAssessment,
  makePrediction,
  makeProvenance,
  photoAssessment,
  POSSIBLY_AI_LABEL,
  TRUSTED_AI_CREDENTIALS,
} from '@/testing/mocks/data';
import { server } from '@/testing/mocks/server';
import { fileInput, renderWithAnnouncer } from '@/testing/render';
import type { Prediction } from '@/types/api';

/** Uploads one file, answered by the default handlers (chosen by name) or by `answer`. */
async function check(name: string, answer?: Prediction) {
  if (answer) server.use(http.post('/api/predict', () => HttpResponse.json({ ...answer, filename: name })));
  const { user } = renderWithAnnouncer(<ClassifyPanel />);
  await user.upload(fileInput(), imageFile(name));
  const card = await screen.findByRole('article', { name });
  await within(card).findByRole('list', { name: 'Evidence' });
  return card;
}

function evidence(card: HTMLElement, title: string) {
  return within(within(card).getByRole('list', { name: 'Evidence' })).getByRole('listitem', { name: title });
}

describe('the evidence list', () => {
  it('lists the four lines of evidence in order, absent ones in plain words', async () => {
    const card = await check('beach.png');
    const items = within(within(card).getByRole('list', { name: 'Evidence' })).getAllByRole('listitem', {
      name: /./,
    });
    expect(items.map((item) => item.querySelector('.evidence-title')?.textContent)).toEqual([
      'Content Credentials',
      'Generator metadata',
      'Camera metadata',
      'Pixel model',
    ]);
    expect(evidence(card, 'Content Credentials')).toHaveTextContent('None found');
    expect(evidence(card, 'Content Credentials')).toHaveTextContent('most pictures have none, so nothing follows from that');
    expect(evidence(card, 'Generator metadata')).toHaveTextContent('None found');
    expect(evidence(card, 'Camera metadata')).toHaveTextContent('None found');
    expect(within(card).getByText('Missing metadata proves nothing: most platforms and screenshots remove it.')).toBeInTheDocument();
    // With nothing in the file, the verdict is the model's.
    expect(within(card).getByText('The pixel model’s guess')).toBeInTheDocument();
    expect(within(card).getByText('Very confident')).toBeInTheDocument();
  });

  it('leads with trusted Content Credentials, naming the signer, and shows no model percentage as the headline', async () => {
    const card = await check('signed-by-generator.jpg');
    const verdict = card.querySelector('.verdict') as HTMLElement;
    expect(within(verdict).getByText('AI-generated')).toBeInTheDocument();
    expect(within(verdict).getByText('Signed Content Credentials')).toBeInTheDocument();
    expect(within(verdict).getByText(/its Content Credentials, signed by Example Image Generator and verified, say so/)).toBeInTheDocument();
    expect(within(verdict).getByText('Content Credentials')).toBeInTheDocument();
    // Not a guess: no percentage and no confidence words in the headline.
    expect(verdict).not.toHaveTextContent('%');
    expect(within(verdict).queryByText(/confident/i)).not.toBeInTheDocument();

    const credentials = evidence(card, 'Content Credentials');
    expect(credentials).toHaveTextContent('Present and verified');
    expect(credentials).toHaveTextContent('settles the question');
    expect(within(credentials).getByText('Example Trust Services (certificate “Example Image Generator”)')).toBeInTheDocument();
    expect(within(credentials).getByText('C2PA trust list')).toBeInTheDocument();
    expect(within(credentials).getByText('made by AI')).toBeInTheDocument();
    expect(within(credentials).getByText('Created by a generative AI model')).toBeInTheDocument();
    expect(within(credentials).getByText('Example Image Generator 3.1')).toBeInTheDocument();

    // The model guessed "real" (P 0.9): shown below, and said not to decide.
    const model = evidence(card, 'Pixel model');
    expect(model).toHaveTextContent('Says real photo');
    expect(within(model).getByText(/differs from the verdict above/)).toBeInTheDocument();
    expect(card.className).toContain('tone-fake');
  });

  it('says when credentials are valid but the signer is unknown', async () => {
    const card = await check(
      'untrusted.jpg',
      makePrediction(0.3, {
        provenance: makeProvenance({
          content_credentials: {
            ...TRUSTED_AI_CREDENTIALS,
            state: 'untrusted',
            strength: 'strong',
            trust_list: null,
            summary: 'Valid Content Credentials say this picture was made by AI, but the signer is unknown.',
          },
        }),
        verdict: {
          label: 'FAKE',
          basis: 'metadata',
          summary: 'AI-generated, according to the file’s own metadata.',
          lean: null,
          confidence: null,
          measured_accuracy: null,
          pixel_evidence: null,
        },
      }),
    );
    const credentials = evidence(card, 'Content Credentials');
    expect(credentials).toHaveTextContent('Present, signer not on a trust list');
    expect(within(credentials).getByText('Not on the C2PA trust list: the signer is unknown')).toBeInTheDocument();
    expect(within(card).getByText('Declared in the file')).toBeInTheDocument();
  });

  it('reports invalid credentials with their failures in plain words, and lets the model decide', async () => {
    const card = await check(
      'tampered.jpg',
      makePrediction(0.2, { provenance: makeProvenance({ content_credentials: INVALID_CREDENTIALS }) }),
    );
    const credentials = evidence(card, 'Content Credentials');
    expect(credentials).toHaveTextContent('Present but invalid');
    expect(within(credentials).getByText('the picture was changed after it was signed')).toBeInTheDocument();
    expect(within(card).getByText('The pixel model’s guess')).toBeInTheDocument();
  });

  it('names the generator and the prompt from the file’s metadata, without a model percentage as the headline', async () => {
    const card = await check('sd-lighthouse.png');
    const verdict = card.querySelector('.verdict') as HTMLElement;
    expect(within(verdict).getByText('AI-generated')).toBeInTheDocument();
    expect(within(verdict).getByText('Declared in the file')).toBeInTheDocument();
    expect(within(verdict).getByText('The file’s own metadata')).toBeInTheDocument();
    expect(verdict).not.toHaveTextContent('%');

    const generator = evidence(card, 'Generator metadata');
    expect(generator).toHaveTextContent('Found: Stable Diffusion web UI (AUTOMATIC1111)');
    expect(generator).toHaveTextContent('strong evidence');
    expect(within(generator).getByText("PNG text chunk 'parameters'")).toBeInTheDocument();
    expect(within(generator).getByText('“a lighthouse at dusk, oil painting”')).toBeInTheDocument();
  });

  it('shows China’s AI label with Label 2 as a weak hint, with who passed it on, and lets the model decide', async () => {
    const card = await check(
      'shared.jpg',
      makePrediction(0.9, { provenance: makeProvenance({ generator_metadata: POSSIBLY_AI_LABEL }) }),
    );
    const generator = evidence(card, 'Generator metadata');
    expect(generator).toHaveTextContent('Found: China’s AI label');
    expect(generator).toHaveTextContent('weak hint only');
    expect(within(generator).getByText('2: possibly generated by AI')).toBeInTheDocument();
    expect(within(generator).getByText('001191440300MA5YYYYYYY00000')).toBeInTheDocument();
    expect(within(generator).getByText('p-42')).toBeInTheDocument();
    expect(within(generator).queryByText('Declares the picture')).not.toBeInTheDocument();
    expect(within(card).getByText('The pixel model’s guess')).toBeInTheDocument();
  });

  it('names the content producer of China’s AI label with Label 1, on which the verdict rests', async () => {
    const producer = '001191110108MA01XXXXXX00000';
    const card = await check(
      'doubao.jpg',
      makePrediction(0.9, {
        provenance: makeProvenance({
          generator_metadata: {
            ...POSSIBLY_AI_LABEL,
            summary: `The file carries China’s GB 45438-2025 AI label (XMP TC260:AIGC): Label 1, generated by AI, from content producer ${producer}.`,
            strength: 'strong',
            declares: 'ai_generated',
            ai_label: {
              label: '1',
              meaning: 'generated by AI',
              declares: 'ai_generated',
              content_producer: producer,
              produce_id: '20250901-7c2f0a',
              content_propagator: null,
              propagate_id: null,
              found_in: 'XMP TC260:AIGC',
            },
          },
        }),
        verdict: {
          label: 'FAKE',
          basis: 'metadata',
          summary: `AI-generated, according to the file’s own metadata: it carries China’s GB 45438-2025 AI label from content producer ${producer} (XMP TC260:AIGC), which says it was generated by AI.`,
          lean: null,
          confidence: null,
          measured_accuracy: null,
          pixel_evidence: null,
        },
      }),
    );
    expect(within(card.querySelector('.verdict') as HTMLElement).getByText('Declared in the file')).toBeInTheDocument();
    const generator = evidence(card, 'Generator metadata');
    expect(generator).toHaveTextContent('strong evidence');
    expect(within(generator).getByText('1: generated by AI')).toBeInTheDocument();
    expect(within(generator).getByText('made by AI')).toBeInTheDocument();
    expect(within(generator).getByText(producer)).toBeInTheDocument();
    expect(within(generator).queryByText('Passed on by')).not.toBeInTheDocument();
  });

  it('shows camera metadata as a weak hint that does not decide', async () => {
    const card = await check('camera-street.jpg');
    const camera = evidence(card, 'Camera metadata');
    expect(camera).toHaveTextContent('Found: Canon EOS R5');
    expect(camera).toHaveTextContent('weak hint only');
    expect(within(camera).getByText('2025:06:01 09:12:44')).toBeInTheDocument();
    expect(within(card).getByText('The pixel model’s guess')).toBeInTheDocument();
  });
});

describe('the pixel model line', () => {
  it('states the calibrated confidence and how often the model was right on that kind of picture', async () => {
    const card = await check('beach.png');
    const model = evidence(card, 'Pixel model');
    expect(model).toHaveTextContent('Says real photo, very confident');
    expect(within(model).getByText('The model is very confident (97%) that this is a real photo.')).toBeInTheDocument();
    expect(
      within(model).getByText(
        'On pictures like this (small pictures (at most 64 pixels on the longer side)), the model was right about 98% of the time in our tests.',
      ),
    ).toBeInTheDocument();
    expect(within(model).getByText('Measured on 20,000 CIFAKE test thumbnails.')).toBeInTheDocument();
    expect(within(model).getByRole('switch', { name: 'Show heatmap' })).toBeInTheDocument();
  });

  it('never says "very confident" on a kind of picture where the model was often wrong', async () => {
    // Raw P(REAL) 0.97, calibrated 71% for a larger photo, right 62% of the time in tests.
    const card = await check('large-photo.jpg');
    const model = evidence(card, 'Pixel model');
    expect(card).not.toHaveTextContent(/very confident/i);
    expect(within(card).getByText('Fairly confident')).toBeInTheDocument();
    expect(within(model).getByText('The model is fairly confident (71%) that this is a real photo.')).toBeInTheDocument();
    expect(within(model).getByText(/^On pictures like this \(larger pictures.*\), the model was right about 62% of the time/)).toBeInTheDocument();
  });

  it('says plainly when the picture is unlike anything the model was trained on', async () => {
    const note = 'This picture is unlike the pictures the model was trained on, so its guess says little here.';
    const card = await check(
      'odd.png',
      makePrediction(0.99, {
        model_assessment: { ...makeAssessment(0.99), ...photoAssessment(0.97), out_of_distribution: true, note },
      }),
    );
    const model = evidence(card, 'Pixel model');
    expect(within(model).getByText(note)).toBeInTheDocument();
    expect(card).not.toHaveTextContent(/very confident/i);
  });

  it('says when the accuracy on that kind of picture was never measured', async () => {
    const card = await check(
      'new.png',
      makePrediction(0.99, { model_assessment: { ...makeAssessment(0.99), measured_accuracy: null, measured_on: null } }),
    );
    const model = evidence(card, 'Pixel model');
    expect(within(model).getByText(/has not been measured, so treat its answer as a rough hint/)).toBeInTheDocument();
    expect(card).not.toHaveTextContent(/very confident/i);
  });
});
