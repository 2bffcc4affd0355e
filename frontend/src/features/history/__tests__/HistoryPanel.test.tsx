import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { HistoryPanel } from '@/features/history/components/HistoryPanel';
import type { HistoryEntry } from '@/features/history/types';

function entry(filename: string, extra: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    id: filename,
    filename,
    label: 'REAL',
    basis: 'model',
    lean: null,
    confidenceLevel: 'very-high',
    confidence: 0.97,
    modelVersion: '2026.11.22',
    checkedAt: '2026-11-22T10:15:00.000Z',
    ...extra,
  };
}

describe('HistoryPanel', () => {
  it('says when nothing was checked yet, with the clear button disabled', () => {
    render(<HistoryPanel entries={[]} onClear={() => {}} />);
    expect(screen.getByText('No images checked yet in this session.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Clear history' })).toBeDisabled();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('lists each result with its verdict and what it rests on, for comparison', () => {
    render(
      <HistoryPanel
        entries={[
          entry('beach.jpg', { thumbnail: 'data:image/jpeg;base64,AAAA' }),
          entry('robot.png', { label: 'FAKE', basis: 'content_credentials', confidenceLevel: null, confidence: null }),
          entry('sd.png', { label: 'FAKE', basis: 'metadata', confidenceLevel: null, confidence: null }),
          entry('cloud.png', { label: 'UNSURE', lean: 'REAL', confidenceLevel: 'unsure', confidence: 0.6 }),
          entry('banner.png', { label: 'UNSURE', lean: 'FAKE', confidenceLevel: 'fair', confidence: 0.9 }),
        ]}
        onClear={() => {}}
      />,
    );
    expect(screen.getByText('5 images: 2 AI-generated, 1 real photo, 2 can’t tell.')).toBeInTheDocument();
    const rows = within(screen.getByRole('table')).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(5);

    const [beach, robot, sd, cloud, banner] = rows;
    expect(within(beach).getByRole('rowheader')).toHaveTextContent('beach.jpg');
    expect(within(beach).getByText('Real photo')).toHaveClass('tone-real');
    expect(within(beach).getByText('Pixel model, very confident (97%)')).toBeInTheDocument();
    expect(beach.querySelector('img')).toHaveAttribute('src', 'data:image/jpeg;base64,AAAA');
    // A verdict from the file's own evidence carries no percentage: it is not a guess.
    expect(within(robot).getByText('AI-generated')).toHaveClass('tone-fake');
    expect(within(robot).getByText('Content Credentials')).toBeInTheDocument();
    expect(robot).not.toHaveTextContent('%');
    expect(within(sd).getByText('The file’s own metadata')).toBeInTheDocument();
    // "Can't tell" in the Verdict column; which way the model leaned is a detail of what it rests on.
    expect(within(cloud).getByText('Can’t tell')).toHaveClass('tone-cant-tell');
    expect(cloud).not.toHaveTextContent('Real photo');
    expect(within(cloud).getByText('Pixel model, leaning towards a real photo (60%)')).toBeInTheDocument();
    expect(within(banner).getByText('Can’t tell')).toBeInTheDocument();
    expect(within(banner).getByText('Pixel model, leaning towards an AI-generated picture (90%)')).toBeInTheDocument();
  });

  it('counts one image in the singular', () => {
    render(<HistoryPanel entries={[entry('a.png')]} onClear={() => {}} />);
    expect(screen.getByText('1 image: 0 AI-generated, 1 real photo, 0 can’t tell.')).toBeInTheDocument();
  });

  it('calls onClear from the clear button', async () => {
    const onClear = vi.fn();
    render(<HistoryPanel entries={[entry('a.png')]} onClear={onClear} />);
    await userEvent.click(screen.getByRole('button', { name: 'Clear history' }));
    expect(onClear).toHaveBeenCalledTimes(1);
  });
});
