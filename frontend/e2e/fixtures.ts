// The test object for every browser test: it fails a test whose page throws,
// breaks its Content-Security-Policy, or sends a request to another origin.
import { expect, test as base } from '@playwright/test';

export const test = base.extend<{ pageProblems: string[] }>({
  pageProblems: [
    async ({ page, baseURL }, use) => {
      const origin = new URL(baseURL ?? 'http://127.0.0.1').origin;
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`uncaught error in the page: ${error.message}`));
      page.on('console', (message) => {
        if (/Content.Security.Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
      });
      page.on('request', (request) => {
        const url = request.url();
        if (!/^(data|blob):/.test(url) && new URL(url).origin !== origin) problems.push(`request to another origin: ${url}`);
      });
      await use(problems);
      expect(problems, 'problems seen in the page').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
