import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactElement } from 'react';
import { LiveAnnouncer } from '@/components/LiveAnnouncer';
import { ModelCardProvider } from '@/components/ModelCardProvider';

/** Renders with the page's live region and model card, and a user that may pick any file type. */
export function renderWithAnnouncer(ui: ReactElement) {
  const user = userEvent.setup({ applyAccept: false });
  const utils = render(
    <ModelCardProvider>
      <LiveAnnouncer>{ui}</LiveAnnouncer>
    </ModelCardProvider>,
  );
  return { user, ...utils };
}

export function liveRegion() {
  return screen.getByRole('status');
}

export function fileInput() {
  return screen.getByLabelText<HTMLInputElement>('Choose image files');
}

/** A promise with its resolve function, to hold a mocked answer back. */
export function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
