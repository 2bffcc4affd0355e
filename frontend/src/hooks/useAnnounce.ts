import { createContext, useContext } from 'react';

export type Announce = (message: string) => void;

export const AnnounceContext = createContext<Announce>(() => {});

/** Says a message through the page's polite aria-live region. */
export function useAnnounce(): Announce {
  return useContext(AnnounceContext);
}
