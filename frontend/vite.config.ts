import { readFileSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';
import react from '@vitejs/plugin-react';
import { loadEnv, type Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

// Where `npm run dev` forwards /api requests (the Flask API started with gunicorn).
const apiProxyTarget = process.env.API_PROXY_TARGET ?? 'http://127.0.0.1:8000';

/**
 * Adds a Content-Security-Policy to the built page: the one nginx sends
 * (nginx/security-headers.conf is its only source), so the page served by
 * `make run` has it too. Scripts, styles and connections come only from this
 * origin (and the API's, when VITE_API_URL names another one), so the page
 * cannot send pictures anywhere else.
 */
function contentSecurityPolicy(apiUrl: string): Plugin {
  const apiOrigin = apiUrl ? new URL(apiUrl).origin : '';
  const conf = readFileSync(new URL('./nginx/security-headers.conf', import.meta.url), 'utf8');
  const header = /^add_header Content-Security-Policy "([^"]+)"/m.exec(conf);
  if (!header) throw new Error('nginx/security-headers.conf has no Content-Security-Policy');
  const policy = header[1]
    .split(';')
    .map((directive) => directive.trim())
    // A <meta> policy cannot set frame-ancestors; nginx's header does.
    .filter((directive) => directive && !directive.startsWith('frame-ancestors'))
    .map((directive) =>
      apiOrigin && /^(img-src|connect-src) /.test(directive)
        ? directive.replace("'self'", `'self' ${apiOrigin}`)
        : directive,
    )
    .join('; ');
  return {
    name: 'content-security-policy',
    apply: 'build',
    // Right after <meta charset>, before anything the policy governs.
    transformIndexHtml: (html) =>
      html.replace(
        /(<meta charset="[^"]*"\s*\/?>)/i,
        `$1\n    <meta http-equiv="Content-Security-Policy" content="${policy}" />`,
      ),
  };
}

export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), 'VITE_');
  return {
    plugins: [react(), contentSecurityPolicy((env.VITE_API_URL ?? '').trim())],
    resolve: {
      alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
    },
    server: {
      proxy: {
        '/api': { target: apiProxyTarget, changeOrigin: false },
      },
    },
    preview: {
      proxy: {
        '/api': { target: apiProxyTarget, changeOrigin: false },
      },
    },
    build: {
      outDir: 'dist',
      sourcemap: false,
    },
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
