/**
 * The client SDK in Chromium against the local stack, bundled as a page would ship it: the browser's
 * own WebSocket and fetch, no options beyond the URLs and the credentials.
 */
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipBrowserTests } from './support/browser.ts';
import { type Harness, startHarness } from './support/harness.ts';

let harness: Harness;
let browser: Browser;
let sdk: string;

async function pageWithSdk(): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  // The stack's own origin, so /login and /ticket need no CORS.
  await page.goto(`${harness.stack.httpUrl}/.well-known/jwks.json`);
  await page.addScriptTag({ content: sdk });
  return page;
}

describe.skipIf(skipBrowserTests)('the client SDK in Chromium', () => {
  beforeAll(async () => {
    const bundled = await build({
      entryPoints: ['client/src/index.ts'],
      bundle: true,
      minify: true,
      format: 'iife',
      globalName: 'Parley',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    sdk = bundled.outputFiles[0]?.text ?? '';
    harness = await startHarness();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await harness?.stop();
  });

  it('logs in, connects with a ticket using the browser’s WebSocket, and gets answers', async () => {
    // Prepare
    const page = await pageWithSdk();

    // Act
    const outcome = await page.evaluate(
      async ({ httpUrl, wsUrl }) => {
        const { ParleyClient } = (
          globalThis as unknown as { Parley: typeof import('../../client/src/index.ts') }
        ).Parley;
        const client = new ParleyClient({
          httpUrl,
          wsUrl,
          credentials: { username: 'alice', password: 'password1' },
        });
        const states: string[] = [];
        client.on('state', (state) => states.push(state));
        await client.connect();
        const pong = await client.request({ action: 'ping' });
        const username = client.user?.username;
        await client.close();
        return { states, pong: pong.type, username };
      },
      { httpUrl: harness.stack.httpUrl, wsUrl: harness.stack.webSocketUrl },
    );

    // Assess
    expect(outcome).toMatchObject({
      states: ['connecting', 'connected', 'closed'],
      pong: 'pong',
      username: 'alice',
    });
  });

  it('reports bad credentials as a terminal AuthenticationError', async () => {
    const page = await pageWithSdk();

    const outcome = await page.evaluate(
      async ({ httpUrl, wsUrl }) => {
        const { ParleyClient } = (
          globalThis as unknown as { Parley: typeof import('../../client/src/index.ts') }
        ).Parley;
        const client = new ParleyClient({
          httpUrl,
          wsUrl,
          credentials: { username: 'alice', password: 'nope' },
        });
        return client.connect().then(
          () => 'connected',
          (error: Error) => `${error.name} ${client.state}`,
        );
      },
      { httpUrl: harness.stack.httpUrl, wsUrl: harness.stack.webSocketUrl },
    );

    expect(outcome).toBe('AuthenticationError closed');
  });
});
