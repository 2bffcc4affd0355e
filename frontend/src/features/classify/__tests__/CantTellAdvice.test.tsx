import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ClassifyPanel } from '@/features/classify/components/ClassifyPanel';
import { imageFile } from '@/testing/files';
import { fileInput, renderWithAnnouncer } from '@/testing/render';

async function resultOf(name: string) {
  const { user } = renderWithAnnouncer(<ClassifyPanel />);
  await user.upload(fileInput(), imageFile(name));
  const card = await screen.findByRole('article', { name });
  await within(card).findByRole('heading', { name: 'Evidence' });
  return card;
}

describe('the next step after “can’t tell”', () => {
  it('says in words how to find out more about an uploaded picture', async () => {
    const card = await resultOf('unsure-dog.png');
    expect(within(card).getByText('Can’t tell')).toBeInTheDocument();
    const advice = within(card).getByRole('heading', { name: 'What you can do next' }).parentElement!;
    const steps = within(advice)
      .getAllByRole('listitem')
      .map((item) => item.textContent);
    expect(steps).toEqual([
      expect.stringMatching(/^Find the original: look for earlier copies of the picture/),
      expect.stringMatching(/^Ask the source/),
      expect.stringMatching(/^Check for Content Credentials where the picture was first published/),
    ]);
    // Words only: the web app sends the picture nowhere else, so it links to no search service.
    expect(within(advice).queryByRole('link')).not.toBeInTheDocument();
  });

  it('is not shown when the verdict is settled', async () => {
    const card = await resultOf('photo.png');
    expect(within(card).getByText('Real photo')).toBeInTheDocument();
    expect(within(card).queryByRole('heading', { name: 'What you can do next' })).not.toBeInTheDocument();
  });

  it('is not shown for a verdict from Content Credentials', async () => {
    const card = await resultOf('signed-render.png');
    expect(within(card).getByText('AI-generated')).toBeInTheDocument();
    expect(within(card).queryByText('What you can do next')).not.toBeInTheDocument();
  });
});
