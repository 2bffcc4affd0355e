import { apiRequest } from '@/lib/api-client';
import type { ModelCard } from '@/types/api';

function isModelCard(data: unknown): data is ModelCard {
  if (typeof data !== 'object' || data === null) return false;
  const card = data as Partial<ModelCard>;
  return (
    typeof card.version === 'string' &&
    Array.isArray(card.limitations) &&
    Array.isArray(card.plots) &&
    typeof card.decision === 'object' &&
    card.decision !== null
  );
}

/**
 * GET /api/model: the model card, with the `decision` block (threshold, unsure
 * limit, input size, verdict rules, input kinds) and the limitations, from the
 * app's own API or the server `apiBase` names.
 */
export function getModelCard(signal?: AbortSignal, apiBase = ''): Promise<ModelCard> {
  return apiRequest<ModelCard>(`${apiBase}/api/model`, { signal, validate: isModelCard });
}
