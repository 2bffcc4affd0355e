import { useCallback, useEffect, useState } from 'react';
import { env } from '@/config/env';
import type { UploadItem } from '@/features/classify/hooks/useClassifier';
import { historyEntry } from '@/features/history/entry';
import { createThumbnail } from '@/lib/thumbnail';
import { fetchImage } from '@ext/lib/fetch-image';
import { addToHistory } from '@ext/lib/history';
import type { ImageSource } from '@ext/lib/image-source';
import { missingHosts } from '@ext/lib/permissions';
import type { Problem } from '@ext/lib/problems';
import { checkPicture } from '@ext/lib/server';

export type CheckState =
  | { step: 'starting' }
  /** The image host or the server is not yet allowed: the person must click to allow it. */
  | { step: 'needs-access'; hosts: string[] }
  | { step: 'downloading' }
  /** The picture could not be downloaded or was not sent: nothing went to the server. */
  | { step: 'failed'; problem: Problem }
  /** Sent to the server: checking, answered, or refused (the web app's card shows each). */
  | { step: 'sent'; item: UploadItem };

/** What the history calls a picture: its file name, and the site it came from. */
function historyName(source: ImageSource, file: File): string {
  return source.kind === 'web' ? `${file.name} (${source.url.host})` : file.name;
}

/** Everything went wrong in a way no step foresaw (e.g. the extension's storage failed). */
function unexpected(error: unknown): Problem {
  const detail = error instanceof Error && error.message ? `: ${error.message}` : '';
  return { title: 'Check stopped', message: `The check stopped unexpectedly${detail}.`, retryable: true };
}

/**
 * Checks one picture: asks for nothing the extension may not read, downloads
 * the picture, sends it to the server, and records the verdict in the
 * history. `retry` starts again (after access was allowed, or a failure).
 */
export function useCheck(source: ImageSource | null, serverUrl: string | null) {
  const [state, setState] = useState<CheckState>({ step: 'starting' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (!source || !serverUrl) return;
    const controller = new AbortController();
    const report = (next: CheckState) => {
      if (!controller.signal.aborted) setState(next);
    };
    let previewUrl: string | null = null;

    const run = async () => {
      const hosts = await missingHosts(source.kind === 'web' ? [source.url, serverUrl] : [serverUrl]);
      if (hosts.length > 0) return report({ step: 'needs-access', hosts });
      report({ step: 'downloading' });
      const fetched = await fetchImage(source, { limitBytes: env.maxUploadBytes, signal: controller.signal });
      if (!fetched.ok) return report({ step: 'failed', problem: fetched.problem });
      const { file } = fetched;
      previewUrl = URL.createObjectURL(file);
      const item: UploadItem = { id: 'picture', seq: 1, file, previewUrl, status: 'uploading' };
      report({ step: 'sent', item });
      const checked = await checkPicture(file, serverUrl, controller.signal);
      if (!checked.ok) return report({ step: 'sent', item: { ...item, status: 'error', error: checked.problem } });
      report({ step: 'sent', item: { ...item, status: 'done', result: checked.result } });
      const thumbnail = await createThumbnail(file);
      // The history is a convenience: when it cannot be saved, the result still stands.
      await addToHistory(historyEntry(historyName(source, file), checked.result, thumbnail)).catch(() => undefined);
    };

    run().catch((error: unknown) => report({ step: 'failed', problem: unexpected(error) }));
    return () => {
      controller.abort();
      if (previewUrl) URL.revokeObjectURL(previewUrl);
    };
  }, [source, serverUrl, attempt]);

  const retry = useCallback(() => {
    setState({ step: 'starting' });
    setAttempt((count) => count + 1);
  }, []);

  return { state, retry };
}
