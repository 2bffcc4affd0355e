import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { AboutModel } from '@/features/about/components/AboutModel';
import { modelCard } from '@/testing/mocks/data';
import { server } from '@/testing/mocks/server';

describe('AboutModel', () => {
  it('shows what the model was trained on, its measured accuracy, plots and limits', async () => {
    render(<AboutModel />);
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

    expect(screen.getByText(/trained only on tiny 32×32 CIFAKE images/)).toBeInTheDocument();
    expect(screen.getByText(/newer image generators are outside what it was trained on/)).toBeInTheDocument();
    expect(screen.getByText(modelCard.limitations[0])).toBeInTheDocument();
    expect(screen.getByText(/When P\(REAL\) is between 0.35 and 0.65/)).toBeInTheDocument();
    expect(screen.getByText(/No image ever leaves your browser except to this app’s own API/)).toBeInTheDocument();
  });

  it('says so when the model has no measured metrics', async () => {
    server.use(http.get('/api/model', () => HttpResponse.json({ ...modelCard, metrics: undefined, plots: [] })));
    render(<AboutModel />);
    expect(await screen.findByText(/has not been measured on the test images yet/)).toBeInTheDocument();
    expect(screen.queryByRole('img')).not.toBeInTheDocument();
  });

  it('explains a failure to load and can try again', async () => {
    server.use(http.get('/api/model', () => HttpResponse.error(), { once: true }));
    render(<AboutModel />);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load the model card: Server unreachable');
    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { name: 'How accurate it is' })).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
