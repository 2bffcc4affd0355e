import { useId, type ReactNode } from 'react';

interface TableScrollProps {
  /** The table's caption, which also names its scrolling box. */
  caption: string;
  className: string;
  captionClassName?: string;
  /** The table's head and body. */
  children: ReactNode;
}

/**
 * A table that scrolls sideways when the screen is too narrow for it. The
 * scrolling box is focusable and named by the caption, so keyboard users can
 * reach it and scroll it with the arrow keys (axe: scrollable-region-focusable).
 */
export function TableScroll({ caption, className, captionClassName, children }: TableScrollProps) {
  const captionId = useId();
  return (
    <div className="table-wrap" role="region" aria-labelledby={captionId} tabIndex={0}>
      <table className={className}>
        <caption id={captionId} className={captionClassName}>
          {caption}
        </caption>
        {children}
      </table>
    </div>
  );
}
