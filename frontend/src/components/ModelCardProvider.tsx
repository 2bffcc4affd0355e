import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { isAbortError, toProblem, type ApiProblem } from '@/lib/api-client';
import { getModelCard } from '@/lib/model-card';
import type { ModelCard } from '@/types/api';

type LoadState = { status: 'loading' } | { status: 'error'; error: ApiProblem } | { status: 'ready'; card: ModelCard };

export type ModelCardState = LoadState & {
  /** Tries again after an error. */
  reload: () => void;
};

const NOT_PROVIDED: ModelCardState = { status: 'loading', reload: () => {} };

const ModelCardContext = createContext<ModelCardState>(NOT_PROVIDED);

/**
 * Loads GET /api/model once for the whole page: the About view shows it, and
 * the results read the input size and the decision rules from it. `apiBase`
 * names another server (the browser extension's); by default, the app's own API.
 */
export function ModelCardProvider({ children, apiBase = '' }: { children: ReactNode; apiBase?: string }) {
  const [state, setState] = useState<LoadState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    getModelCard(controller.signal, apiBase).then(
      (card) => setState({ status: 'ready', card }),
      (error: unknown) => {
        if (!controller.signal.aborted && !isAbortError(error)) setState({ status: 'error', error: toProblem(error) });
      },
    );
    return () => controller.abort();
  }, [attempt, apiBase]);

  const reload = useCallback(() => {
    setState({ status: 'loading' });
    setAttempt((value) => value + 1);
  }, []);

  const value = useMemo<ModelCardState>(() => ({ ...state, reload }), [state, reload]);
  return <ModelCardContext.Provider value={value}>{children}</ModelCardContext.Provider>;
}

/** The model card as loaded by the nearest ModelCardProvider ("loading" outside one). */
export function useModelCard(): ModelCardState {
  return useContext(ModelCardContext);
}
