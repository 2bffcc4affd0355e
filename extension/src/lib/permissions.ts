/**
 * Host access: the local machine is granted at install; any other image host
 * or server is asked for the first time it is needed, from a click.
 */
import { ext } from './browser';
import { hostPattern } from './image-source';

/** The host patterns among these addresses that the extension may not read yet. */
export async function missingHosts(urls: Array<string | URL>): Promise<string[]> {
  const patterns = [...new Set(urls.map(hostPattern))];
  const granted = await Promise.all(patterns.map((pattern) => ext().permissions.contains({ origins: [pattern] })));
  return patterns.filter((_, index) => !granted[index]);
}

/**
 * Asks the person for access to these hosts. Call it straight from a click
 * handler, before any await: browsers ask only during a user gesture.
 */
export function requestHosts(patterns: string[]): Promise<boolean> {
  return ext().permissions.request({ origins: patterns });
}

/** "https://example.com" for "https://example.com/*". */
export function patternLabel(pattern: string): string {
  return pattern.replace(/\/\*$/, '');
}
