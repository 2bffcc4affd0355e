import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { HistoryPanel } from '@/features/history/components/HistoryPanel';
import type { HistoryEntry } from '@/features/history/types';

function entry(filename: string, probabilityReal: number, extra: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    id: filename,
    filename,
    label: probabilityReal > 0.5 ? 'REAL' : 'FAKE',
    probabilityReal,
    threshold: 0.5,
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

  it('lists each result with its verdict and P(REAL), for comparison', () => {
    render(
      <HistoryPanel
        entries={[entry('beach.jpg', 0.92, { thumbnail: 'data:image/jpeg;base64,AAAA' }), entry('robot.png', 0.1), entry('cloud.png', 0.6)]}
        onClear={() => {}}
      />,
    );
    expect(screen.getByText('3 images: 2 real photos, 1 AI-generated, 1 of them unsure.')).toBeInTheDocument();
    const rows = within(screen.getByRole('table')).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(3);

    const [beach, robot, cloud] = rows;
    expect(within(beach).getByRole('rowheader')).toHaveTextContent('beach.jpg');
    expect(within(beach).getByText('Real photo')).toBeInTheDocument();
    expect(within(beach).getByText('92%')).toBeInTheDocument();
    expect(beach.querySelector('img')).toHaveAttribute('src', 'data:image/jpeg;base64,AAAA');
    expect(within(robot).getByText('AI-generated')).toBeInTheDocument();
    expect(within(robot).getByText('10%')).toBeInTheDocument();
    expect(within(cloud).getByText('Real photo')).toBeInTheDocument();
    expect(within(cloud).getByText('unsure')).toBeInTheDocument();
  });

  it('calls onClear from the clear button', async () => {
    const onClear = vi.fn();
    render(<HistoryPanel entries={[entry('a.png', 0.9)]} onClear={onClear} />);
    await userEvent.click(screen.getByRole('button', { name: 'Clear history' }));
    expect(onClear).toHaveBeenCalledTimes(1);
  });
});
