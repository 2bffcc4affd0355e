import { useCallback, useEffect, useState } from 'react';
import { isAbortError, toProblem, type ApiProblem } from '@/lib/api-client';
import type { ModelCard } from '@/types/api';
import { getModelCard } from '../api/get-model-card';

type State =
  | { status: 'loading' }
  | { status: 'error'; error: ApiProblem }
  | { status: 'ready'; card: ModelCard };

/** Loads the model card once the view is shown; `reload` tries again after an error. */
export function useModelCard(enabled = true) {
  const [state, setState] = useState<State>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    getModelCard(controller.signal).then(
      (card) => setState({ status: 'ready', card }),
      (error: unknown) => {
        if (!controller.signal.aborted && !isAbortError(error)) setState({ status: 'error', error: toProblem(error) });
      },
    );
    return () => controller.abort();
  }, [enabled, attempt]);

  const reload = useCallback(() => {
    setState({ status: 'loading' });
    setAttempt((value) => value + 1);
  }, []);

  return { ...state, reload };
}
