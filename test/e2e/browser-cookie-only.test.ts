/**
 * Cookie-only mode in a real browser (Debian's Chromium), where the browser itself sets `Origin` and
 * keeps the cookies: the tutorial's `FormData` login from an allowed page works and page script never
 * sees a token (not in a body, not in `document.cookie`); the WebSocket connects with the cookie; the
 * connection is extended with a ticket the cookie bought; and a form on another site that would log the
 * visitor in as the attacker (a top-level navigation, where browsers do store SameSite cookies) gets 403
 * and no cookie.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../local/free-port.ts';
import { launchChromium, skipBrowserTests } from './support/browser.ts';
import { type Harness, startHarness } from './support/harness.ts';

let harness: Harness;
let browser: Browser;
let port: number;

describe.skipIf(skipBrowserTests)('cookie-only mode in Chromium', () => {
  beforeAll(async () => {
    // The allow-list needs the page's origin before the stack starts, so the port is chosen first.
    port = await findFreePort();
    harness = await startHarness({
      port,
      policies: {
        tokensInBody: false,
        allowQueryToken: false,
        allowedOrigins: [`http://127.0.0.1:${port}`],
        allowMissingOrigin: false,
      },
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await harness?.stop();
  });

  /** A page on `origin`: the stack's own (allowed) or `localhost`, the same server under another origin. */
  async function pageOn(host: '127.0.0.1' | 'localhost'): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`http://${host}:${port}/.well-known/jwks.json`);
    return page;
  }

  it('logs in with the tutorial’s FormData, connects, refreshes and reauths, never showing a token to the page', async () => {
    // Prepare
    const page = await pageOn('127.0.0.1');

    // Act
    const result = await page.evaluate(
      async ({ httpUrl, wsUrl }) => {
        const form = new FormData();
        form.append('username', 'alice');
        form.append('password', 'password1');
        const loginBody = await (await fetch(`${httpUrl}/login`, { method: 'POST', body: form })).text();
        const socket = new WebSocket(wsUrl);
        const frames: { type: string; requestId?: string }[] = [];
        const next = (match: (frame: { type: string; requestId?: string }) => boolean) =>
          new Promise<{ type: string; requestId?: string }>((resolve, reject) => {
            socket.onerror = () => reject(new Error('socket error'));
            const check = () => {
              const found = frames.find(match);
              if (found) resolve(found);
              else setTimeout(check, 20);
            };
            check();
          });
        socket.onmessage = (event) => frames.push(JSON.parse(String(event.data)));
        const welcome = await next((frame) => frame.type === 'welcome');
        const refreshBody = await (await fetch(`${httpUrl}/refresh`, { method: 'POST' })).text();
        const { ticket } = (await (await fetch(`${httpUrl}/ticket`, { method: 'POST' })).json()) as {
          ticket: string;
        };
        socket.send(JSON.stringify({ action: 'reauth', ticket, requestId: 'reauth-1' }));
        const reauthenticated = await next((frame) => frame.requestId === 'reauth-1');
        socket.close();
        return {
          loginBody,
          refreshBody,
          welcome,
          reauthenticated,
          visibleCookies: (globalThis as unknown as { document: { cookie: string } }).document.cookie,
        };
      },
      { httpUrl: harness.stack.httpUrl, wsUrl: harness.stack.webSocketUrl },
    );

    // Assess
    expect(JSON.parse(result.loginBody)).toEqual({ expiresIn: expect.any(Number) });
    expect(JSON.parse(result.refreshBody)).toEqual({ expiresIn: expect.any(Number) });
    expect(result.welcome).toMatchObject({ type: 'welcome', username: 'alice' });
    expect(result.reauthenticated).toMatchObject({ type: 'reauthenticated' });
    expect(result.visibleCookies).toBe('');
    const cookies = await page.context().cookies();
    expect(cookies.map((cookie) => [cookie.name, cookie.path, cookie.httpOnly]).sort()).toEqual([
      ['__Host-parley_token', '/', true],
      ['__Secure-parley_refresh', '/logout', true],
      ['__Secure-parley_refresh', '/refresh', true],
    ]);
  });

  it('refuses a cross-site form that would log the visitor in as someone else (login CSRF)', async () => {
    // Prepare: a page on another origin with a plain HTML form, as an attacker's site would have.
    const page = await pageOn('localhost');
    await page.setContent(`
      <form id="csrf" method="POST" action="${harness.stack.httpUrl}/login" enctype="multipart/form-data">
        <input name="username" value="bob"><input name="password" value="password2">
      </form>`);

    // Act: submitting navigates the top-level page cross-site, where browsers do store SameSite cookies.
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.evaluate(() =>
        (globalThis as unknown as { document: { getElementById(id: string): { submit(): void } } }).document
          .getElementById('csrf')
          .submit(),
      ),
    ]);

    // Assess
    expect(response?.status()).toBe(403);
    expect(await page.context().cookies(harness.stack.httpUrl)).toEqual([]);
  });
});
