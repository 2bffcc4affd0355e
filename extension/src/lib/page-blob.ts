/**
 * A blob: picture exists only inside the page that made it: the extension
 * reads it there (the scripting API, allowed in the tab the context menu was
 * opened in) and gets it back as a data: address.
 */
import { ext } from './browser';
import type { ImageSource } from './image-source';

export type PageRead = { kind: 'read'; dataUrl: string } | { kind: 'too-large'; size: number } | { kind: 'gone' };

/**
 * Runs inside the page, so it uses nothing from outside its own body: reads
 * the blob: address there, unless it is larger than `limitBytes`.
 */
export async function readBlobHere(url: string, limitBytes: number): Promise<PageRead> {
  try {
    const blob = await (await fetch(url)).blob();
    if (blob.size > limitBytes) return { kind: 'too-large', size: blob.size };
    return await new Promise<PageRead>((resolve) => {
      const reader = new FileReader();
      reader.onload = () =>
        resolve(typeof reader.result === 'string' ? { kind: 'read', dataUrl: reader.result } : { kind: 'gone' });
      reader.onerror = () => resolve({ kind: 'gone' });
      reader.readAsDataURL(blob);
    });
  } catch {
    return { kind: 'gone' };
  }
}

/** Reads a blob: picture in the tab and frame it was right-clicked in ("gone" when that page is closed or changed). */
export async function readBlobInPage(
  source: Extract<ImageSource, { kind: 'blob' }>,
  limitBytes: number,
): Promise<PageRead> {
  if (source.tabId === null) return { kind: 'gone' };
  try {
    const [injection] = await ext().scripting.executeScript({
      target: { tabId: source.tabId, frameIds: [source.frameId] },
      func: readBlobHere,
      args: [source.url, limitBytes],
    });
    return injection?.result ?? { kind: 'gone' };
  } catch {
    return { kind: 'gone' };
  }
}
