/** The right-click entry on pictures, and the result page it opens. */
import { resultPageQuery } from '@ext/lib/image-source';

export const MENU_ID = 'check-image';
export const MENU_TITLE = 'Check with Real or AI?';

/**
 * result.html for the picture right-clicked. `srcUrl` is the address of what
 * the page shows: for <img srcset> or <picture>, the candidate the browser
 * chose. A blob: picture also names the tab and frame it lives in.
 */
export function resultPathFor(info: chrome.contextMenus.OnClickData, tab?: chrome.tabs.Tab): string | null {
  if (info.menuItemId !== MENU_ID || !info.srcUrl) return null;
  const where = tab?.id !== undefined && tab.id >= 0 ? { tabId: tab.id, frameId: info.frameId ?? 0 } : undefined;
  return `result.html${resultPageQuery(info.srcUrl, where)}`;
}
