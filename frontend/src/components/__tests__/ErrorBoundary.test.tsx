import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { ErrorBoundary } from '@/components/ErrorBoundary';
import { ErrorFallback } from '@/components/ErrorFallback';

let shouldThrow = true;
function Fragile() {
  if (shouldThrow) throw new Error('render exploded');
  return <p>All good</p>;
}

function Harness() {
  const [key] = useState(0);
  return (
    <ErrorBoundary key={key} FallbackComponent={ErrorFallback}>
      <Fragile />
    </ErrorBoundary>
  );
}

describe('ErrorBoundary', () => {
  it('shows the fallback instead of a blank page, and recovers on "Try again"', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    shouldThrow = true;
    render(<Harness />);
    expect(screen.getByRole('alert')).toHaveTextContent('Something went wrong');
    expect(screen.getByText('render exploded')).toBeInTheDocument();

    shouldThrow = false;
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(screen.getByText('All good')).toBeInTheDocument();
  });
});
