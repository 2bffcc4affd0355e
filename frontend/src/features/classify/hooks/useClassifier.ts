import { useCallback, useEffect, useReducer, useRef } from 'react';
import { env } from '@/config/env';
import { fileTooLarge, isAbortError, toProblem, type ApiProblem } from '@/lib/api-client';
import type { Prediction } from '@/types/api';
import { predictImage } from '../api/predict-image';

/** Uploads running at once; further files wait their turn. */
export const MAX_PARALLEL_UPLOADS = 2;

export type UploadStatus = 'queued' | 'uploading' | 'done' | 'error';

export interface UploadItem {
  id: string;
  /** Order in which files were added: uploads go oldest first. */
  seq: number;
  file: File;
  /** Object URL of the file for the preview, or null when it is not an image type. */
  previewUrl: string | null;
  status: UploadStatus;
  result?: Prediction;
  error?: ApiProblem;
}

type Action =
  | { type: 'add'; items: UploadItem[] }
  | { type: 'start'; id: string }
  | { type: 'succeed'; id: string; result: Prediction }
  | { type: 'fail'; id: string; error: ApiProblem }
  | { type: 'retry'; id: string }
  | { type: 'remove'; id: string }
  | { type: 'clear' };

function update(items: UploadItem[], id: string, change: Partial<UploadItem>): UploadItem[] {
  return items.map((item) => (item.id === id ? { ...item, ...change } : item));
}

function reducer(items: UploadItem[], action: Action): UploadItem[] {
  switch (action.type) {
    case 'add':
      // Newest first, in the order the files were given.
      return [...action.items, ...items];
    case 'start':
      return update(items, action.id, { status: 'uploading', error: undefined });
    case 'succeed':
      return update(items, action.id, { status: 'done', result: action.result, error: undefined });
    case 'fail':
      return update(items, action.id, { status: 'error', error: action.error });
    case 'retry':
      return update(items, action.id, { status: 'queued', error: undefined });
    case 'remove':
      return items.filter((item) => item.id !== action.id);
    case 'clear':
      return [];
  }
}

let uploadCount = 0;

export interface ClassifierCallbacks {
  /** Called once per file that was classified. */
  onResult?: (item: UploadItem, result: Prediction) => void;
  /** Called once per file that failed (before or after upload). */
  onError?: (item: UploadItem, error: ApiProblem) => void;
}

/**
 * The upload queue: one request per file, at most MAX_PARALLEL_UPLOADS at a
 * time, each file with its own status, result or error.
 */
export function useClassifier(callbacks: ClassifierCallbacks = {}) {
  const [items, dispatch] = useReducer(reducer, []);
  const callbacksRef = useRef(callbacks);
  const controllers = useRef(new Map<string, AbortController>());
  const itemsRef = useRef(items);

  useEffect(() => {
    callbacksRef.current = callbacks;
    itemsRef.current = items;
  });

  const addFiles = useCallback((files: Iterable<File>) => {
    const batch: UploadItem[] = [];
    for (const file of files) {
      uploadCount += 1;
      const item: UploadItem = {
        id: `upload-${uploadCount}`,
        seq: uploadCount,
        file,
        previewUrl: file.type.startsWith('image/') ? URL.createObjectURL(file) : null,
        status: 'queued',
      };
      if (file.size > env.maxUploadBytes) {
        item.status = 'error';
        item.error = fileTooLarge(file.size);
        callbacksRef.current.onError?.(item, item.error);
      }
      batch.push(item);
    }
    if (batch.length > 0) dispatch({ type: 'add', items: batch });
    return batch.length;
  }, []);

  // Start queued uploads while there is a free slot.
  useEffect(() => {
    const running = items.filter((item) => item.status === 'uploading').length;
    const waiting = items
      .filter((item) => item.status === 'queued' && !controllers.current.has(item.id))
      .sort((a, b) => a.seq - b.seq)
      .slice(0, Math.max(0, MAX_PARALLEL_UPLOADS - running));

    for (const item of waiting) {
      const controller = new AbortController();
      controllers.current.set(item.id, controller);
      const settle = () => {
        if (controllers.current.get(item.id) === controller) controllers.current.delete(item.id);
      };
      dispatch({ type: 'start', id: item.id });
      predictImage(item.file, controller.signal).then(
        (result) => {
          if (controller.signal.aborted) return;
          settle();
          dispatch({ type: 'succeed', id: item.id, result });
          callbacksRef.current.onResult?.(item, result);
        },
        (error: unknown) => {
          if (controller.signal.aborted || isAbortError(error)) return;
          settle();
          const problem = toProblem(error);
          dispatch({ type: 'fail', id: item.id, error: problem });
          callbacksRef.current.onError?.(item, problem);
        },
      );
    }
  }, [items]);

  const retry = useCallback((id: string) => dispatch({ type: 'retry', id }), []);

  const remove = useCallback((id: string) => {
    controllers.current.get(id)?.abort();
    controllers.current.delete(id);
    const item = itemsRef.current.find((candidate) => candidate.id === id);
    if (item?.previewUrl) URL.revokeObjectURL(item.previewUrl);
    dispatch({ type: 'remove', id });
  }, []);

  const clear = useCallback(() => {
    for (const controller of controllers.current.values()) controller.abort();
    controllers.current.clear();
    for (const item of itemsRef.current) if (item.previewUrl) URL.revokeObjectURL(item.previewUrl);
    dispatch({ type: 'clear' });
  }, []);

  // Cancel uploads and free previews when the page goes away.
  useEffect(() => {
    const running = controllers.current;
    return () => {
      for (const controller of running.values()) controller.abort();
      running.clear();
      for (const item of itemsRef.current) if (item.previewUrl) URL.revokeObjectURL(item.previewUrl);
    };
  }, []);

  return { items, addFiles, retry, remove, clear };
}
