import type { ReactNode } from 'react';

/**
 * The next step after "can't tell": the pixels did not settle it, so look for
 * where the picture comes from. `children` adds ways that fit where the
 * picture was found (the browser extension's reverse image search links).
 */
export function CantTellAdvice({ children }: { children?: ReactNode }) {
  return (
    <div className="next-steps">
      <h4 className="next-steps-heading">What you can do next</h4>
      <ul className="next-steps-list">
        <li>
          Find the original: look for earlier copies of the picture (a reverse image search finds them); the oldest or
          largest copy often says where it comes from.
        </li>
        <li>Ask the source: whoever published or sent the picture can say who made it, and how.</li>
        <li>
          Check for Content Credentials where the picture was first published: screenshots and re-saved copies lose
          them, the original may still have them.
        </li>
      </ul>
      {children}
    </div>
  );
}
