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
          entry('cloud.png', { confidenceLevel: 'unsure', confidence: 0.6 }),
        ]}
        onClear={() => {}}
      />,
    );
    expect(screen.getByText('4 images: 2 real photos, 2 AI-generated, 1 of them unsure.')).toBeInTheDocument();
    const rows = within(screen.getByRole('table')).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(4);

    const [beach, robot, sd, cloud] = rows;
    expect(within(beach).getByRole('rowheader')).toHaveTextContent('beach.jpg');
    expect(within(beach).getByText('Real photo')).toBeInTheDocument();
    expect(within(beach).getByText('Pixel model, very confident (97%)')).toBeInTheDocument();
    expect(beach.querySelector('img')).toHaveAttribute('src', 'data:image/jpeg;base64,AAAA');
    // A verdict from the file's own evidence carries no percentage: it is not a guess.
    expect(within(robot).getByText('AI-generated')).toBeInTheDocument();
    expect(within(robot).getByText('Content Credentials')).toBeInTheDocument();
    expect(robot).not.toHaveTextContent('%');
    expect(within(sd).getByText('The file’s own metadata')).toBeInTheDocument();
    expect(within(cloud).getByText('Real photo')).toBeInTheDocument();
    expect(within(cloud).getByText('unsure')).toBeInTheDocument();
    expect(within(cloud).getByText('Pixel model, unsure (60%)')).toBeInTheDocument();
  });

  it('calls onClear from the clear button', async () => {
    const onClear = vi.fn();
    render(<HistoryPanel entries={[entry('a.png')]} onClear={onClear} />);
    await userEvent.click(screen.getByRole('button', { name: 'Clear history' }));
    expect(onClear).toHaveBeenCalledTimes(1);
  });
});
