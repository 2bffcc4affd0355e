import { useEffect, useRef } from 'react';

function filesFrom(data: DataTransfer | null): File[] {
  if (!data) return [];
  const files = Array.from(data.files ?? []);
  if (files.length > 0) return files;
  return Array.from(data.items ?? [])
    .filter((item) => item.kind === 'file')
    .map((item) => item.getAsFile())
    .filter((file): file is File => file !== null);
}

function isTextField(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || target.tagName === 'TEXTAREA' || (target.tagName === 'INPUT' && (target as HTMLInputElement).type !== 'file'))
  );
}

/** Pasted pictures usually arrive as "image.png": give each a distinct name. */
function named(file: File, index: number): File {
  const time = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const extension = file.type.startsWith('image/') ? `.${file.type.slice(6).replace('jpeg', 'jpg').replace(/\+.*/, '')}` : '';
  const suffix = index > 0 ? ` (${index + 1})` : '';
  return new File([file], `Pasted image ${time}${suffix}${extension}`, { type: file.type, lastModified: Date.now() });
}

/** Calls `onFiles` with the files pasted anywhere on the page (Ctrl+V / Cmd+V). */
export function useClipboardPaste(onFiles: (files: File[]) => void, enabled = true) {
  const onFilesRef = useRef(onFiles);
  useEffect(() => {
    onFilesRef.current = onFiles;
  });

  useEffect(() => {
    if (!enabled) return;
    const handlePaste = (event: ClipboardEvent) => {
      if (isTextField(event.target)) return;
      const files = filesFrom(event.clipboardData);
      if (files.length === 0) return;
      event.preventDefault();
      onFilesRef.current(files.map((file, index) => (file.name && file.name !== 'image.png' ? file : named(file, index))));
    };
    window.addEventListener('paste', handlePaste);
    return () => window.removeEventListener('paste', handlePaste);
  }, [enabled]);
}
