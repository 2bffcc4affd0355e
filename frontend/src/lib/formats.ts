/**
 * The picture formats the API decodes, as people name them, and what the file
 * picker offers. Browsers often give a HEIC photo an empty MIME type (and
 * some map `.heic` to no `image/*` type at all), so the extensions are listed too.
 */
export const SUPPORTED_FORMATS_TEXT = 'JPEG, PNG, WebP, HEIC/HEIF, AVIF, GIF, BMP or TIFF';

export const ACCEPTED_FILES = [
  'image/*',
  'image/heic',
  'image/heif',
  'image/avif',
  '.heic',
  '.heif',
  '.avif',
].join(',');
