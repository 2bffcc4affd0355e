/** Longest side of history thumbnails, in CSS pixels (drawn at 2x). */
const THUMBNAIL_SIZE = 48;

/**
 * A small JPEG data URL of an image file, for the history; undefined when the
 * browser cannot decode it (then callers fall back to the model's 32x32 view).
 */
export async function createThumbnail(file: Blob): Promise<string | undefined> {
  if (typeof createImageBitmap !== 'function') return undefined;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, (THUMBNAIL_SIZE * 2) / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    const context = canvas.getContext('2d');
    if (!context) return undefined;
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return canvas.toDataURL('image/jpeg', 0.8);
  } catch {
    return undefined;
  }
}
