import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { historyEntry } from '@/features/history/entry';
import { makePrediction } from '@/testing/mocks/data';
import { addToHistory, HISTORY_KEY } from '@ext/lib/history';
import { OptionsPage } from '@ext/options/OptionsPage';
import { server } from '@ext/testing/server';

function renderOptions() {
  const user = userEvent.setup();
  render(<OptionsPage />);
  return { user, input: () => screen.getByLabelText<HTMLInputElement>('Server address') };
}

describe('the options page', () => {
  it('shows where make run serves by default, and what is sent where', async () => {
    const { input } = renderOptions();
    await vi.waitFor(() => expect(input()).toHaveValue('http://127.0.0.1:8000'));
    expect(
      screen.getByText(
        'When you check a picture, the extension downloads it from the site that shows it and sends it only to this server; nothing is sent anywhere else.',
      ),
    ).toBeInTheDocument();
  });

  it('saves the address in its canonical form', async () => {
    const { user, input } = renderOptions();
    await vi.waitFor(() => expect(input()).toHaveValue('http://127.0.0.1:8000'));
    await user.clear(input());
    await user.type(input(), 'localhost:8080/');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Saved: pictures will be checked by http://localhost:8080.');
    expect(testExtension.storage.get('settings')).toEqual({ serverUrl: 'http://localhost:8080' });
    expect(input()).toHaveValue('http://localhost:8080');
  });

  it('refuses an address that is not one, and saves nothing', async () => {
    const { user, input } = renderOptions();
    await vi.waitFor(() => expect(input()).toHaveValue('http://127.0.0.1:8000'));
    await user.clear(input());
    await user.type(input(), 'ftp://files.example.org');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(screen.getByRole('status')).toHaveTextContent('The server’s address must start with http:// or https://.');
    expect(testExtension.storage.has('settings')).toBe(false);
  });

  it('asks for access to a server on another computer when it is saved', async () => {
    const { user, input } = renderOptions();
    await vi.waitFor(() => expect(input()).toHaveValue('http://127.0.0.1:8000'));
    await user.clear(input());
    await user.type(input(), 'https://detector.example.net');
    testExtension.answerAccess(false);
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(testExtension.request).toHaveBeenCalledWith({ origins: ['https://detector.example.net/*'] });
    expect(await screen.findByRole('status')).toHaveTextContent(
      'Access to https://detector.example.net was not allowed, so the extension cannot reach that server.',
    );
    expect(testExtension.storage.has('settings')).toBe(false);

    testExtension.answerAccess(true);
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Saved: pictures will be checked by https://detector.example.net.')).toBeInTheDocument();
  });

  it('tests the connection and says what it found', async () => {
    const { user, input } = renderOptions();
    await vi.waitFor(() => expect(input()).toHaveValue('http://127.0.0.1:8000'));
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    expect(await screen.findByText('Connected: the detector at http://127.0.0.1:8000 is ready (model 2026.11.22).')).toBeInTheDocument();

    server.use(http.get('http://127.0.0.1:8000/api/health', () => HttpResponse.error()));
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    expect(
      await screen.findByText('No answer from http://127.0.0.1:8000: is the server running (make run), and is the address right?'),
    ).toBeInTheDocument();
  });

  it('lists the last checks, and clears them', async () => {
    await addToHistory(historyEntry('cat.jpg (images.example.org)', makePrediction(0.04)));
    const { user } = renderOptions();
    const table = await screen.findByRole('table', { name: 'Pictures checked with the extension, newest first' });
    expect(within(table).getByText('cat.jpg (images.example.org)')).toBeInTheDocument();
    expect(within(table).getByText('AI-generated')).toBeInTheDocument();

    // A check that ends in another tab shows up here.
    await addToHistory(historyEntry('dog.png', makePrediction(0.97)));
    expect(await within(table).findByText('dog.png')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Clear history' }));
    expect(await screen.findByText('No pictures checked yet.')).toBeInTheDocument();
    expect(testExtension.storage.has(HISTORY_KEY)).toBe(false);
  });
});
