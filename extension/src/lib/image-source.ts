/**
 * Where the picture to check comes from: the address the context menu gave
 * (for an <img srcset> or a <picture>, the browser gives the candidate the
 * page shows), as result.html?src=... carries it.
 */

export type ImageSource =
  /** An http(s) address, fetched from its host. */
  | { kind: 'web'; url: URL }
  /** A picture written in the address itself. */
  | { kind: 'data'; url: string }
  /**
   * A picture that exists only inside the page that made it: read there, in
   * the tab and frame the context menu was opened in.
   */
  | { kind: 'blob'; url: string; tabId: number | null; frameId: number };

/** Why an address cannot be checked: no address, or one of another kind (file:, ftp:, chrome:). */
export type SourceProblem = { kind: 'missing' } | { kind: 'unsupported'; scheme: string };

/** The query of result.html for a picture; `tab` says where a blob: picture lives. */
export function resultPageQuery(src: string, tab?: { tabId: number; frameId: number }): string {
  const params = new URLSearchParams({ src });
  if (tab && src.startsWith('blob:')) {
    params.set('tab', String(tab.tabId));
    params.set('frame', String(tab.frameId));
  }
  return `?${params.toString()}`;
}

function integer(value: string | null, fallback: number | null): number | null {
  return value !== null && /^\d+$/.test(value) ? Number(value) : fallback;
}

/** The picture named by result.html's query, or why there is none to check. */
export function sourceFromQuery(search: string): ImageSource | SourceProblem {
  const params = new URLSearchParams(search);
  const src = params.get('src')?.trim();
  if (!src) return { kind: 'missing' };
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(src)?.[1].toLowerCase() ?? '';
  if (scheme === 'data') return { kind: 'data', url: src };
  if (scheme === 'blob') {
    return { kind: 'blob', url: src, tabId: integer(params.get('tab'), null), frameId: integer(params.get('frame'), 0) ?? 0 };
  }
  if (scheme === 'http' || scheme === 'https') {
    try {
      return { kind: 'web', url: new URL(src) };
    } catch {
      return { kind: 'unsupported', scheme };
    }
  }
  return { kind: 'unsupported', scheme: scheme || src.slice(0, 20) };
}

/** Whether `sourceFromQuery` found no picture to check. */
export function isSourceProblem(value: ImageSource | SourceProblem): value is SourceProblem {
  return value.kind === 'missing' || value.kind === 'unsupported';
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
  'image/heic': 'heic',
  'image/heif': 'heif',
  'image/bmp': 'bmp',
  'image/tiff': 'tiff',
  'image/svg+xml': 'svg',
};

/**
 * The file name sent with the picture and shown above it: the last part of
 * its path, or "image" with an extension from its type for data: and blob:
 * pictures and paths that end in a slash.
 */
export function fileNameFor(source: ImageSource, mediaType: string): string {
  let name = '';
  if (source.kind === 'web') {
    const last = source.url.pathname.split('/').pop() ?? '';
    try {
      name = decodeURIComponent(last);
    } catch {
      name = last;
    }
  }
  // No path separators or control characters in a name the server echoes and the page shows.
  name = [...name].filter((char) => char >= ' ' && char !== '\u007f' && char !== '/' && char !== '\\').join('');
  name = name.slice(0, 200);
  const extension = EXTENSIONS[mediaType];
  if (!name) return extension ? `image.${extension}` : 'image';
  return /\.[a-z0-9]{2,5}$/i.test(name) || !extension ? name : `${name}.${extension}`;
}

/** Where the picture comes from, as the result page's heading says it. */
export function describeSource(source: ImageSource): string {
  switch (source.kind) {
    case 'web':
      return `A picture from ${source.url.host}`;
    case 'data':
      return 'A picture written into the page (data: address)';
    case 'blob':
      return 'A picture made by the page (blob: address)';
  }
}

/**
 * The host-permission pattern of an address: its scheme and host, any port
 * (a match pattern cannot name a port in Firefox).
 */
export function hostPattern(url: string | URL): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.hostname}/*`;
}

const PRIVATE_IPV4 = [/^10\./, /^127\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^169\.254\./, /^0\./];

/**
 * Whether a service on the internet could fetch this address: not the local
 * machine or a private network (what a reverse image search needs).
 */
export function isPublicAddress(url: URL): boolean {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) {
    return false;
  }
  if (host.startsWith('[')) return !/^\[(::1?|f[cd]|fe[89ab])/i.test(host);
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return !PRIVATE_IPV4.some((range) => range.test(host));
  return host.includes('.');
}
