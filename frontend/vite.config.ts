import { fileURLToPath, URL } from 'node:url';
import react from '@vitejs/plugin-react';
import { loadEnv, type Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

// Where `npm run dev` forwards /api requests (the Flask API started with gunicorn).
const apiProxyTarget = process.env.API_PROXY_TARGET ?? 'http://127.0.0.1:8000';

/**
 * Adds a Content-Security-Policy to the built page: scripts, styles and
 * connections only from this origin (and the API's, when VITE_API_URL names
 * another one), so the page cannot send pictures anywhere else.
 */
function contentSecurityPolicy(apiUrl: string): Plugin {
  const apiOrigin = apiUrl ? new URL(apiUrl).origin : '';
  const self = ["'self'", apiOrigin].filter(Boolean).join(' ');
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    // No inline styles: React sets bar widths and picture shapes through the
    // CSSOM, which style-src does not restrict.
    "style-src 'self'",
    `img-src ${self} data: blob:`,
    `connect-src ${self}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'none'",
  ].join('; ');
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
    },
  };
});
