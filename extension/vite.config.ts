/**
 * Builds the extension in two passes into dist/build: the pages (result.html,
 * options.html) with the web app's components and styles from ../frontend/src,
 * then (`--mode background`) the background script as one self-contained
 * file, after which dist/chromium and dist/firefox get the same files, each
 * with its browser's manifest (src/manifest.ts).
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';
import react from '@vitejs/plugin-react';
import type { Plugin, UserConfig } from 'vite';
import { defineConfig } from 'vitest/config';
import { manifestFor, type TargetBrowser } from './src/manifest.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const buildDir = here('./dist/build');
const BROWSERS: TargetBrowser[] = ['chromium', 'firefox'];

/** One folder per browser: the built files and that browser's manifest. */
function browserFolders(version: string): Plugin {
  return {
    name: 'browser-folders',
    apply: 'build',
    closeBundle() {
      for (const browser of BROWSERS) {
        const folder = here(`./dist/${browser}`);
        rmSync(folder, { recursive: true, force: true });
        cpSync(buildDir, folder, { recursive: true });
        writeFileSync(`${folder}/manifest.json`, `${JSON.stringify(manifestFor(browser, version), null, 2)}\n`);
      }
    },
  };
}

export default defineConfig(({ mode }) => {
  const { version } = JSON.parse(readFileSync(here('./package.json'), 'utf8')) as { version: string };
  const resolve: UserConfig['resolve'] = {
    alias: { '@': here('../frontend/src'), '@ext': here('./src') },
    // The web app's files import React too: one copy, this package's.
    dedupe: ['react', 'react-dom'],
  };

  if (mode === 'background') {
    return {
      resolve,
      publicDir: false,
      plugins: [browserFolders(version)],
      build: {
        outDir: buildDir,
        emptyOutDir: false,
        sourcemap: false,
        // A classic script with nothing to import: Chromium's service worker and Firefox's event page alike.
        lib: { entry: here('./src/background/main.ts'), formats: ['iife'], name: 'background', fileName: () => 'background.js' },
      },
    };
  }

  return {
    plugins: [react()],
    resolve,
    build: {
      outDir: buildDir,
      emptyOutDir: true,
      sourcemap: false,
      rollupOptions: {
        input: { result: here('./result.html'), options: here('./options.html') },
        // React in its own files, so a reviewer sees which code web-ext lint's two innerHTML warnings are in.
        output: {
          manualChunks: (id: string) => (/node_modules\/(react|react-dom|scheduler)\//.test(id) ? 'react' : undefined),
        },
      },
    },
    server: { fs: { allow: ['..'] } },
    test: {
      environment: 'jsdom',
      setupFiles: './src/testing/setup-tests.ts',
      include: ['src/**/*.test.{ts,tsx}'],
      restoreMocks: true,
      // The CPU may be shared with a model training: give slow machines room, not flaky failures.
      testTimeout: 20_000,
    },
  };
});
