import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ModelCardProvider } from '@/components/ModelCardProvider';
import { AboutModel } from '@/features/about/components/AboutModel';
import { modelCard } from '@/testing/mocks/data';
import { server } from '@/testing/mocks/server';

function renderAbout() {
  return render(
    <ModelCardProvider>
      <AboutModel />
    </ModelCardProvider>,
  );
}

describe('AboutModel', () => {
  it('shows what the model was trained on, its measured accuracy, plots and limits', async () => {
    renderAbout();
    expect(screen.getByText('Loading the model card…')).toBeInTheDocument();

    expect(await screen.findByRole('heading', { name: 'What it was trained on' })).toBeInTheDocument();
    expect(screen.getByText(/CIFAKE train split: 50,000 REAL \+ 50,000 FAKE/)).toBeInTheDocument();
    expect(screen.getByText(modelCard.description!)).toBeInTheDocument();

    const accuracy = screen.getByText('Accuracy', { selector: 'dt' }).closest('div')!;
    expect(within(accuracy).getByText('96.1%')).toBeInTheDocument();
    expect(within(accuracy).getByText(/of 20,000 CIFAKE test images/)).toBeInTheDocument();
    expect(screen.getByText('0.993')).toBeInTheDocument();

    const perClass = screen.getByRole('table', { name: 'Per class, on the test images' });
    expect(within(perClass).getByRole('rowheader', { name: 'FAKE (AI-generated)' })).toBeInTheDocument();
    const confusion = screen.getByRole('table', { name: /Confusion matrix/ });
    expect(within(confusion).getByText('9,700')).toBeInTheDocument();
    expect(screen.getByRole('table', { name: /re-saving the test images as JPEG/ })).toHaveTextContent('91.0%');

    const plot = screen.getByRole('img', { name: 'ROC curve' });
    expect(plot).toHaveAttribute('src', `${window.location.origin}/api/model/plots/roc_curve.png`);

    // The limitations come from the model card only.
    const limits = screen.getByRole('heading', { name: 'Its limits' }).closest('section')!;
    expect(within(limits).getAllByRole('listitem').map((item) => item.textContent)).toEqual(modelCard.limitations);
    expect(limits.querySelectorAll('p')).toHaveLength(0);
    expect(screen.getByText(/It sees every picture shrunk to 32×32 pixels/)).toBeInTheDocument();
    expect(screen.getByText(/calibrated confidence is below 65%, or the picture is unlike .* “Can’t tell”/)).toBeInTheDocument();
    // Each figure is a term with its descriptions (a valid definition list), and each table scrolls in a named,
    // focusable box on narrow screens.
    for (const stat of document.querySelectorAll('.stats > div')) {
      expect([...stat.children].map((child) => child.tagName)).toEqual(['DT', 'DD', 'DD']);
    }
    for (const table of screen.getAllByRole('table')) {
      const box = table.parentElement!;
      expect(box).toHaveAttribute('tabindex', '0');
      expect(box).toHaveAccessibleName(table.querySelector('caption')!.textContent);
    }
    expect(screen.getByText(/No image ever leaves your browser except to this app’s own API/)).toBeInTheDocument();
  });

  it('shows the verdict rules and the measured accuracy per kind of picture, from the decision block', async () => {
    renderAbout();
    const rules = await screen.findByRole('heading', { name: 'How a verdict is decided' });
    const list = within(rules.closest('section')!).getByRole('list');
    expect(within(list).getAllByRole('listitem').map((item) => item.textContent)).toEqual(modelCard.decision.verdict_rules);

    const kinds = screen.getByRole('table', { name: 'Measured accuracy of the pixel model per kind of picture' });
    const thumbnail = within(kinds).getByRole('row', { name: /small pictures/ });
    expect(thumbnail).toHaveTextContent('97.8%');
    expect(thumbnail).toHaveTextContent('20,000 CIFAKE test thumbnails');
    const photo = within(kinds).getByRole('row', { name: /larger pictures/ });
    expect(photo).toHaveTextContent('62.0%');
    expect(photo).toHaveTextContent('634 photos and AI pictures from 5 sources never used in training');
    expect(screen.getByText(/“very confident” only where that accuracy is at least 95%/)).toBeInTheDocument();
  });

  it('lists every pixel detector with its state, what it earned on held-out sources and why one is silent', async () => {
    const measurement = {
      pictures: 320,
      sources: 4,
      pooled_roc_auc: 0.987,
      mean_source_roc_auc: 0.9883,
      ece: 0.035,
      confidently_wrong: 0.016,
      measured_at: '2026-12-07T21:24:05Z',
      bands: [],
    };
    const detectors = [
      ...modelCard.detectors,
      { name: 'redness', format: 'onnx', state: 'measured', reason: null, lead_rank: 1, measurement },
      { name: 'unmeasured', format: 'onnx', state: 'not_measured', reason: 'not measured: run `detector models measure`', lead_rank: null, measurement: null },
      { name: 'broken', format: null, state: 'failed', reason: 'broken/model.onnx is not a valid ONNX model', lead_rank: null, measurement: null },
    ];
    server.use(http.get('/api/model', () => HttpResponse.json({ ...modelCard, detectors })));
    renderAbout();

    const table = await screen.findByRole('table', { name: 'Pixel detectors on this server' });
    const measured = within(table).getByRole('row', { name: /redness/ });
    expect(measured).toHaveTextContent('Measured');
    expect(measured).toHaveTextContent('mean per-source ROC-AUC 0.988 on 320 pictures from 4 sources');
    expect(measured).toHaveTextContent('#1');
    expect(within(table).getByRole('row', { name: /unmeasured/ })).toHaveTextContent('Not measured: never speaks');
    const broken = within(table).getByRole('row', { name: /broken/ });
    expect(broken).toHaveTextContent('Failed to load: never speaks');
    expect(broken).toHaveTextContent('broken/model.onnx is not a valid ONNX model');
    expect(within(table).getByRole('row', { name: /builtin/ })).toHaveTextContent('Built in');
  });

  it('says so when the model has no measured metrics', async () => {
    server.use(http.get('/api/model', () => HttpResponse.json({ ...modelCard, metrics: undefined, plots: [] })));
    renderAbout();
    expect(await screen.findByText(/has not been measured on the test images yet/)).toBeInTheDocument();
    expect(screen.queryByRole('img')).not.toBeInTheDocument();
  });

  it('explains a failure to load and can try again', async () => {
    server.use(http.get('/api/model', () => HttpResponse.error(), { once: true }));
    renderAbout();
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load the model card: Server unreachable');
    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { name: 'How accurate it is' })).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
