/**
 * The extension's manifest, one source for both browsers: `manifestFor`
 * writes what each needs (the build puts one in dist/chromium, one in
 * dist/firefox). Chromium runs the background as a service worker; Firefox
 * runs the same file as an event page and needs an add-on id.
 */

export type TargetBrowser = 'chromium' | 'firefox';

/** Where `make run` serves, and any port on the local machine: allowed at install. */
export const LOCAL_HOSTS = ['http://127.0.0.1/*', 'http://localhost/*'];
/** Any other image host or server: asked for at first use, from a click. */
export const OTHER_HOSTS = ['http://*/*', 'https://*/*'];

/** Extension pages run only the extension's own scripts: no inline or remote code. */
export const EXTENSION_PAGES_CSP = "script-src 'self'; object-src 'self'";

export const GECKO_ID = 'real-or-ai@image-detector';
/** The first Firefox (desktop 140, Android 142) that reads data_collection_permissions. */
const GECKO_MIN_VERSION = '142.0';

/** Chrome's MV3 manifest, with Firefox's background scripts and add-on settings. */
export type Manifest = Omit<chrome.runtime.ManifestV3, 'background' | 'options_ui' | 'content_security_policy'> & {
  background: { service_worker: string } | { scripts: string[] };
  options_ui: { page: string; open_in_tab: boolean };
  content_security_policy: { extension_pages: string };
  browser_specific_settings?: {
    gecko: {
      id: string;
      strict_min_version: string;
      data_collection_permissions: { required: string[] };
    };
  };
};

const ICONS = { 16: 'icons/icon-16.png', 32: 'icons/icon-32.png', 48: 'icons/icon-48.png', 128: 'icons/icon-128.png' };

/** The manifest for one browser. */
export function manifestFor(browser: TargetBrowser, version: string): Manifest {
  const common = {
    manifest_version: 3 as const,
    name: 'Real or AI?',
    version,
    description:
      'Right-click a picture to check it with your own Real or AI? server: the verdict and its evidence. Pictures go only to the server you set.',
    icons: ICONS,
    action: { default_title: 'Real or AI? settings and history', default_icon: ICONS },
    // contextMenus: the right-click entry; storage: the server address and the history;
    // scripting + activeTab: read a blob: picture inside the page it was right-clicked in;
    // scripting (with the host access to the server): hand a picture to the server's web app.
    permissions: ['contextMenus', 'storage', 'scripting', 'activeTab'],
    host_permissions: LOCAL_HOSTS,
    optional_host_permissions: OTHER_HOSTS,
    options_ui: { page: 'options.html', open_in_tab: true },
    content_security_policy: { extension_pages: EXTENSION_PAGES_CSP },
  };
  if (browser === 'chromium') {
    return { ...common, background: { service_worker: 'background.js' }, minimum_chrome_version: '121' };
  }
  return {
    ...common,
    background: { scripts: ['background.js'] },
    browser_specific_settings: {
      gecko: {
        id: GECKO_ID,
        strict_min_version: GECKO_MIN_VERSION,
        // The picture a person right-clicks (website content) goes to the server they set.
        data_collection_permissions: { required: ['websiteContent'] },
      },
    },
  };
}
