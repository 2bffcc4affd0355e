import { useEffect, useRef } from 'react';
import { env } from '@/config/env';
import { handedFile } from '../handed-file';

/** Files handed over before the panel was there to take them. */
const waiting: File[] = [];
let receiver: ((files: File[]) => void) | null = null;

function receive(event: MessageEvent) {
  const file = handedFile(event, window, env.maxUploadBytes);
  if (!file) return;
  if (receiver) receiver([file]);
  else waiting.push(file);
}

// Listening from the moment the app's code loads, not from an effect: the extension posts as
// soon as the page has loaded, which may come before React has mounted the panel.
if (typeof window !== 'undefined') window.addEventListener('message', receive);

/** Calls `onFiles` with each picture the browser extension hands to this page (see handed-file.ts). */
export function useHandedFiles(onFiles: (files: File[]) => void) {
  const onFilesRef = useRef(onFiles);
  useEffect(() => {
    onFilesRef.current = onFiles;
  });

  useEffect(() => {
    receiver = (files) => onFilesRef.current(files);
    if (waiting.length > 0) receiver(waiting.splice(0));
    return () => {
      receiver = null;
    };
  }, []);
}
