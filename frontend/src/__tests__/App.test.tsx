import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '@/App';
import { HISTORY_STORAGE_KEY } from '@/features/history/hooks/useHistory';
import { imageFile, textFile } from '@/testing/files';
import { fileInput } from '@/testing/render';

function renderApp() {
  const user = userEvent.setup({ applyAccept: false });
  const utils = render(<App />);
  return { user, ...utils };
}

function historyRows() {
  const table = screen.queryByRole('table', { name: /Images checked in this session/ });
  return table ? within(table).getAllByRole('row').slice(1) : [];
}

describe('App', () => {
  it('records each classified image in the session history, which survives a reload and can be cleared', async () => {
    const { user, unmount } = renderApp();
    expect(screen.getByText('No images checked yet in this session.')).toBeInTheDocument();

    await user.upload(fileInput(), [imageFile('beach.png'), imageFile('fake-robot.png'), textFile('notes.txt')]);
    await within(await screen.findByRole('article', { name: 'notes.txt' })).findByText('Not a supported image');
    await within(screen.getByRole('article', { name: 'beach.png' })).findByText('Real photo');
    await within(screen.getByRole('article', { name: 'fake-robot.png' })).findByText('AI-generated');

    // Errors are not results: two rows, newest first.
    await screen.findByText('2 images: 1 AI-generated, 1 real photo, 0 can’t tell.');
    const names = historyRows().map((row) => within(row).getByRole('rowheader').textContent);
    expect(names).toHaveLength(2);
    expect(new Set(names)).toEqual(new Set(['beach.png', 'fake-robot.png']));
    // Without a browser thumbnail, the 32x32 model input stands in.
    expect(historyRows()[0].querySelector('img')).toHaveAttribute('src', expect.stringContaining('#input'));

    // A reload of the tab (same sessionStorage) brings the history back, not the result cards.
    unmount();
    const again = renderApp();
    expect(historyRows()).toHaveLength(2);
    expect(screen.queryAllByRole('article')).toHaveLength(0);

    await again.user.click(screen.getByRole('button', { name: 'Clear history' }));
    expect(historyRows()).toHaveLength(0);
    expect(screen.getByText('No images checked yet in this session.')).toBeInTheDocument();
    expect(sessionStorage.getItem(HISTORY_STORAGE_KEY)).toBeNull();
  });

  it('records what each verdict rests on in the history', async () => {
    const { user } = renderApp();
    await user.upload(fileInput(), [imageFile('signed-robot.jpg'), imageFile('beach.png'), imageFile('unsure-dog.png')]);
    await within(await screen.findByRole('article', { name: 'signed-robot.jpg' })).findByText('AI-generated');
    await within(screen.getByRole('article', { name: 'beach.png' })).findByText('Real photo');
    await within(await screen.findByRole('article', { name: 'unsure-dog.png' })).findByText('Can’t tell');
    await screen.findByText('3 images: 1 AI-generated, 1 real photo, 1 can’t tell.');
    const rows = Object.fromEntries(historyRows().map((row) => [within(row).getByRole('rowheader').textContent, row]));
    expect(rows['signed-robot.jpg']).toHaveTextContent('AI-generated');
    expect(rows['signed-robot.jpg']).toHaveTextContent('Content Credentials');
    expect(rows['signed-robot.jpg']).not.toHaveTextContent('%');
    expect(rows['beach.png']).toHaveTextContent('Real photo');
    expect(rows['beach.png']).toHaveTextContent('Pixel model, very confident (97%)');
    expect(rows['unsure-dog.png']).toHaveTextContent('Can’t tell');
    expect(rows['unsure-dog.png']).toHaveTextContent('Pixel model, leaning towards a real photo (55%)');
  });

  it('announces results through a polite live region', async () => {
    const { user } = renderApp();
    await user.upload(fileInput(), imageFile('fake-robot.png'));
    const region = screen.getByRole('status');
    expect(region).toHaveAttribute('aria-live', 'polite');
    expect(region).toHaveTextContent('Checking 1 image…');
    await within(await screen.findByRole('article', { name: 'fake-robot.png' })).findByText('AI-generated');
    expect(region).toHaveTextContent(
      'fake-robot.png: AI-generated. Nothing in the file settles it, so this is the pixel model’s guess: AI-generated.',
    );
  });

  it('switches to the About view and back, keeping results', async () => {
    const { user } = renderApp();
    await user.upload(fileInput(), imageFile('beach.png'));
    await within(await screen.findByRole('article', { name: 'beach.png' })).findByText('Real photo');

    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Check images' })).toHaveAttribute('aria-current', 'page');

    await user.click(within(nav).getByRole('link', { name: 'About the model' }));
    expect(await screen.findByRole('heading', { name: 'About the model' })).toBeVisible();
    expect(await screen.findByRole('heading', { name: 'How accurate it is' })).toBeInTheDocument();
    expect(within(nav).getByRole('link', { name: 'About the model' })).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('main')).toHaveFocus();

    act(() => {
      window.location.hash = '#/';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    expect(await screen.findByRole('article', { name: 'beach.png' })).toBeVisible();
  });

  it('states that images go only to the app’s own API', () => {
    renderApp();
    expect(screen.getByText(/Your pictures go only to this app’s own server/)).toBeInTheDocument();
    expect(screen.getByText(/No image leaves your browser except to this app’s own API/)).toBeInTheDocument();
  });
});
