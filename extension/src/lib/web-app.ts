/**
 * "Open in the web app": opens the web app of the person's server in a new
 * tab and hands it the picture's original bytes, which it checks as a dropped
 * file (frontend/src/features/classify/handed-file.ts). The extension's host
 * access to the server lets it run a script in that page's isolated world.
 */
import { HANDED_FILE_TYPE } from '@/features/classify/handed-file';
import { ext } from './browser';

/** How long the web app may take to load before the hand-over is given up. */
export const WEB_APP_LOAD_TIMEOUT_MS = 30_000;

/**
 * Runs inside the web app's page, so it uses nothing from outside its own
 * body: posts the file to the page itself, and only if the tab still shows the
 * server's web app.
 */
export function postToPage(serverOrigin: string, type: string, name: string, mimeType: string, base64: string): boolean {
  if (location.origin !== serverOrigin) return false;
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let index = 0; index < text.length; index += 1) bytes[index] = text.charCodeAt(index);
  window.postMessage({ type, name, mimeType, bytes: bytes.buffer }, location.origin);
  return true;
}

/** The file's bytes in base64 (the scripting API's arguments travel as JSON in Chromium). */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  // In slices: one call with millions of arguments would overflow the stack.
  for (let start = 0; start < bytes.length; start += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  }
  return btoa(binary);
}

/** Resolves once the tab has finished loading; rejects after WEB_APP_LOAD_TIMEOUT_MS. */
function loaded(tabId: number): Promise<void> {
  const tabs = ext().tabs;
  return new Promise((resolve, reject) => {
    const listener = (id: number, change: { status?: string }) => {
      if (id === tabId && change.status === 'complete') finish(resolve);
    };
    const timer = setTimeout(() => finish(() => reject(new Error('The web app did not finish loading.'))), WEB_APP_LOAD_TIMEOUT_MS);
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      tabs.onUpdated.removeListener(listener);
      settle();
    };
    tabs.onUpdated.addListener(listener);
    // It may have finished before the listener was added.
    void tabs
      .get(tabId)
      .then((tab) => tab.status === 'complete' && finish(resolve))
      .catch(() => undefined);
  });
}

/** Opens `serverUrl`'s web app in a new tab and hands it `file` to check; false when the tab did not take it. */
export async function openInWebApp(file: File, serverUrl: string): Promise<boolean> {
  const base64 = await base64Of(file);
  const tab = await ext().tabs.create({ url: `${serverUrl}/` });
  if (tab.id === undefined) return false;
  await loaded(tab.id);
  const [injection] = await ext().scripting.executeScript({
    target: { tabId: tab.id },
    func: postToPage,
    args: [new URL(serverUrl).origin, HANDED_FILE_TYPE, file.name, file.type, base64],
  });
  return injection?.result === true;
}
