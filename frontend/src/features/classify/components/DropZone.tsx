import { useEffect, useId, useRef, useState, type DragEvent } from 'react';
import { UploadIcon } from '@/components/Icons';
import { formatMegabytes } from '@/lib/format';
import { ACCEPTED_FILES, SUPPORTED_FORMATS_TEXT } from '@/lib/formats';
import { env } from '@/config/env';

interface DropZoneProps {
  onFiles: (files: File[]) => void;
}

function hasFiles(event: DragEvent): boolean {
  return Array.from(event.dataTransfer?.types ?? []).includes('Files');
}

/**
 * Where pictures come in: drop them here, choose them with the button (or
 * click anywhere in the zone), or paste them anywhere on the page.
 */
export function DropZone({ onFiles }: DropZoneProps) {
  const inputRef = useRef<HTMLInputElement>(null);
  const dragDepth = useRef(0);
  const [dragging, setDragging] = useState(false);
  const hintId = useId();
  const inputId = useId();

  // A file dropped just outside the zone must not make the browser leave the page.
  useEffect(() => {
    const keepPage = (event: globalThis.DragEvent) => {
      if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
    };
    window.addEventListener('dragover', keepPage);
    window.addEventListener('drop', keepPage);
    return () => {
      window.removeEventListener('dragover', keepPage);
      window.removeEventListener('drop', keepPage);
    };
  }, []);

  const openPicker = () => inputRef.current?.click();

  return (
    <div
      className={`dropzone${dragging ? ' is-dragging' : ''}`}
      data-testid="dropzone"
      onClick={(event) => {
        if (event.target === event.currentTarget) openPicker();
      }}
      onDragEnter={(event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        dragDepth.current += 1;
        setDragging(true);
      }}
      onDragOver={(event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={() => {
        dragDepth.current = Math.max(0, dragDepth.current - 1);
        if (dragDepth.current === 0) setDragging(false);
      }}
      onDrop={(event) => {
        event.preventDefault();
        dragDepth.current = 0;
        setDragging(false);
        const files = Array.from(event.dataTransfer?.files ?? []);
        if (files.length > 0) onFiles(files);
      }}
    >
      <UploadIcon className="dropzone-icon" />
      <p className="dropzone-title">{dragging ? 'Drop to check these images' : 'Drop images here'}</p>
      <button
        type="button"
        className="button button-primary"
        onClick={openPicker}
        aria-describedby={hintId}
      >
        Choose images…
      </button>
      <p className="dropzone-hint" id={hintId}>
        or paste with <kbd>Ctrl</kbd>+<kbd>V</kbd> (<kbd>⌘</kbd>+<kbd>V</kbd> on a Mac). Several at once are fine.{' '}
        {SUPPORTED_FORMATS_TEXT} (iPhone photos too), up to {formatMegabytes(env.maxUploadBytes)} each.
      </p>
      <label htmlFor={inputId} className="visually-hidden">
        Choose image files
      </label>
      <input
        ref={inputRef}
        id={inputId}
        className="visually-hidden"
        type="file"
        accept={ACCEPTED_FILES}
        multiple
        tabIndex={-1}
        onChange={(event) => {
          const files = Array.from(event.target.files ?? []);
          // Allow choosing the same file again later.
          event.target.value = '';
          if (files.length > 0) onFiles(files);
        }}
      />
    </div>
  );
}
