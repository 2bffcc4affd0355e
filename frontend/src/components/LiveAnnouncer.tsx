import { useCallback, useState, type ReactNode } from 'react';
import { AnnounceContext } from '@/hooks/useAnnounce';

interface Message {
  id: number;
  text: string;
}

/**
 * Provides `useAnnounce()` and renders the one polite aria-live region of the
 * page. The last few messages stay in the region so that results finishing
 * close together are all read out.
 */
export function LiveAnnouncer({ children }: { children: ReactNode }) {
  const [messages, setMessages] = useState<Message[]>([]);

  const announce = useCallback((text: string) => {
    setMessages((previous) => [...previous.slice(-4), { id: (previous.at(-1)?.id ?? 0) + 1, text }]);
  }, []);

  return (
    <AnnounceContext.Provider value={announce}>
      {children}
      <div role="status" aria-live="polite" className="visually-hidden" data-testid="live-region">
        {messages.map((message) => (
          <p key={message.id}>{message.text}</p>
        ))}
      </div>
    </AnnounceContext.Provider>
  );
}
