import { useEffect, useState } from 'react';

export type View = 'check' | 'about';

export const VIEW_HASH: Record<View, string> = { check: '#/', about: '#/about' };

function viewFromHash(hash: string): View {
  return hash.replace(/^#\/?/, '').split(/[/?]/)[0] === 'about' ? 'about' : 'check';
}

/** The current view, from the URL hash (#/ or #/about), so Back and links work. */
export function useHashView(): View {
  const [view, setView] = useState<View>(() => viewFromHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setView(viewFromHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return view;
}
