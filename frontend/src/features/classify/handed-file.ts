/**
 * The message by which the browser extension hands a picture to the web app
 * ("Open in the web app"): its script, run in this page, posts the picture's
 * original bytes to the page itself.
 */

/** The `type` of such a message; the extension sends the same string. */
export const HANDED_FILE_TYPE = 'real-or-ai/check-file';

export interface HandedFileMessage {
  type: typeof HANDED_FILE_TYPE;
  name: string;
  mimeType: string;
  bytes: ArrayBuffer;
}

function isHandedFileMessage(data: unknown): data is HandedFileMessage {
  const message = data as Partial<HandedFileMessage> | null;
  return (
    typeof message === 'object' &&
    message !== null &&
    message.type === HANDED_FILE_TYPE &&
    typeof message.name === 'string' &&
    message.name.length > 0 &&
    typeof message.mimeType === 'string' &&
    message.bytes instanceof ArrayBuffer
  );
}

/**
 * The file a message hands to this page, or null for any other message.
 *
 * Safe to accept: only a message posted by this very page (its source is this
 * window, its origin this page's) counts, and only scripts already running in
 * the page can post one (the page's own, or an extension's it lets run here).
 * A page of another origin, or one framing this app, cannot. The file then goes
 * through the same checks and limits as a dropped one.
 */
export function handedFile(event: MessageEvent, page: Window, limitBytes: number): File | null {
  if (event.source !== page || event.origin !== page.location.origin) return null;
  if (!isHandedFileMessage(event.data)) return null;
  const { name, mimeType, bytes } = event.data;
  if (bytes.byteLength > limitBytes) return null;
  return new File([bytes], name, { type: mimeType.startsWith('image/') ? mimeType : '' });
}
