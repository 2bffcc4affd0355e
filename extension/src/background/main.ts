/**
 * The background script (Chromium's service worker, Firefox's event page):
 * the context menu on pictures, which opens the result page next to the tab;
 * the toolbar button opens the options.
 */
import { ext } from '@ext/lib/browser';
import { MENU_ID, MENU_TITLE, resultPathFor } from './menu';

/** (Re)creates the menu entry: on install and update, and on each start for browsers that do not keep it. */
function createMenu() {
  void ext()
    .contextMenus.removeAll()
    .then(() => ext().contextMenus.create({ id: MENU_ID, title: MENU_TITLE, contexts: ['image'] }));
}

ext().runtime.onInstalled.addListener(createMenu);
ext().runtime.onStartup.addListener(createMenu);

ext().contextMenus.onClicked.addListener((info, tab) => {
  const path = resultPathFor(info, tab);
  if (!path) return;
  void ext().tabs.create({
    url: ext().runtime.getURL(path),
    index: tab ? tab.index + 1 : undefined,
    openerTabId: tab?.id !== undefined && tab.id >= 0 ? tab.id : undefined,
  });
});

ext().action.onClicked.addListener(() => void ext().runtime.openOptionsPage());
