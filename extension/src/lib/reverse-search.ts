/**
 * Reverse image search by the picture's address, for "can't tell": each
 * service fetches the picture itself and lists its earlier copies. Only links:
 * nothing is sent until the person clicks one.
 */

export interface SearchService {
  name: string;
  /** Who receives the address. */
  operator: string;
  href: string;
}

/** The search links for a picture at `url`. */
export function reverseSearchLinks(url: string): SearchService[] {
  const address = encodeURIComponent(url);
  return [
    { name: 'TinEye', operator: 'TinEye', href: `https://tineye.com/search?url=${address}` },
    { name: 'Google Lens', operator: 'Google', href: `https://lens.google.com/uploadbyurl?url=${address}` },
    {
      name: 'Bing Visual Search',
      operator: 'Microsoft',
      href: `https://www.bing.com/images/search?view=detailv2&iss=sbi&q=imgurl:${address}`,
    },
  ];
}
