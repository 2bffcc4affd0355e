import { describe, expect, it } from 'vitest';
import { EXTENSION_PAGES_CSP, GECKO_ID, LOCAL_HOSTS, manifestFor, OTHER_HOSTS } from '@ext/manifest';

describe('the manifests', () => {
  it.each(['chromium', 'firefox'] as const)('%s: MV3, few permissions, the local machine at install, the rest asked for', (browser) => {
    const manifest = manifestFor(browser, '1.2.3');
    expect(manifest.manifest_version).toBe(3);
    expect(manifest.version).toBe('1.2.3');
    expect(manifest.permissions).toEqual(['contextMenus', 'storage', 'scripting', 'activeTab']);
    expect(manifest.host_permissions).toEqual(['http://127.0.0.1/*', 'http://localhost/*']);
    expect(manifest.optional_host_permissions).toEqual(['http://*/*', 'https://*/*']);
    expect(manifest.options_ui?.page).toBe('options.html');
    // Nothing of the extension is exposed to web pages.
    expect(manifest).not.toHaveProperty('web_accessible_resources');
    expect(manifest).not.toHaveProperty('content_scripts');
  });

  it.each(['chromium', 'firefox'] as const)('%s: only the extension’s own scripts run on its pages', (browser) => {
    const csp = manifestFor(browser, '1.0.0').content_security_policy?.extension_pages;
    expect(csp).toBe(EXTENSION_PAGES_CSP);
    const scriptSources = /script-src ([^;]+)/.exec(csp ?? '')?.[1].trim().split(/\s+/);
    expect(scriptSources).toEqual(["'self'"]);
    expect(csp).not.toMatch(/unsafe|https?:|\*/);
  });

  it('Chromium runs the background as a service worker, with no Firefox settings', () => {
    const manifest = manifestFor('chromium', '1.0.0');
    expect(manifest.background).toEqual({ service_worker: 'background.js' });
    expect(manifest).not.toHaveProperty('browser_specific_settings');
  });

  it('Firefox runs the same file as an event page, under a fixed add-on id', () => {
    const manifest = manifestFor('firefox', '1.0.0');
    expect(manifest.background).toEqual({ scripts: ['background.js'] });
    expect(manifest.browser_specific_settings?.gecko.id).toBe(GECKO_ID);
    expect(manifest.browser_specific_settings?.gecko.data_collection_permissions.required).toEqual(['websiteContent']);
  });

  it('asks at install only for the local machine', () => {
    expect(LOCAL_HOSTS.every((pattern) => /^http:\/\/(127\.0\.0\.1|localhost)\/\*$/.test(pattern))).toBe(true);
    expect(OTHER_HOSTS).not.toContain('<all_urls>');
  });
});
