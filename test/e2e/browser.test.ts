/**
 * The product in a real browser: the tutorial's client code runs unchanged in Chromium against the
 * local stack, and the browser-only ways in (subprotocol, cookie) work as browsers enforce them — a
 * browser fails a connection whose subprotocol is not echoed, and hides handshake statuses (1006).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipBrowserTests } from './support/browser.ts';
import { type Harness, startHarness } from './support/harness.ts';

let harness: Harness;
let browser: Browser;

/** A page on the stack's own origin, so the tutorial's same-origin `fetch('/login')` needs no CORS. */
async function pageOnStackOrigin(): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${harness.stack.httpUrl}/.well-known/jwks.json`);
  return page;
}

describe.skipIf(skipBrowserTests)('in Chromium', () => {
  beforeAll(async () => {
    harness = await startHarness();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await harness?.stop();
  });

  it('runs the tutorial’s client unchanged: FormData login, ?token=, welcome, echo', async () => {
    // Prepare
    const page = await pageOnStackOrigin();

    // Act: the tutorial's browser code, word for word apart from the URLs.
    const frames = await page.evaluate(
      async ({ httpUrl, wsUrl }) => {
        const formData = new FormData();
        formData.append('username', 'alice');
        formData.append('password', 'password1');
        const { token } = (await (
          await fetch(`${httpUrl}/login`, { method: 'POST', body: formData })
        ).json()) as {
          token: string;
        };
        const socket = new WebSocket(`${wsUrl}?token=${token}`);
        const received: string[] = [];
        await new Promise<void>((resolve, reject) => {
          socket.onerror = () => reject(new Error('socket error'));
          socket.onmessage = (event) => {
            received.push(String(event.data));
            if (received.length === 1) socket.send('Hello, server!');
            if (received.length === 2) resolve();
          };
        });
        socket.close();
        return received;
      },
      { httpUrl: harness.stack.httpUrl, wsUrl: harness.stack.webSocketUrl },
    );

    // Assess
    expect(JSON.parse(frames[0] ?? '{}')).toMatchObject({
      type: 'welcome',
      message: 'Welcome, alice!',
      username: 'alice',
    });
    expect(frames[1]).toMatch(/^User alice \(ID: [0-9a-f-]{36}\) sent: Hello, server!$/);
  });

  it('lets two browser users chat in a room', async () => {
    // Prepare
    const [alicePage, bobPage] = await Promise.all([pageOnStackOrigin(), pageOnStackOrigin()]);
    const join = (page: Page, username: string, password: string) =>
      page.evaluate(
        async ({ httpUrl, wsUrl, username, password }) => {
          const form = new FormData();
          form.append('username', username);
          form.append('password', password);
          const { token } = (await (
            await fetch(`${httpUrl}/login`, { method: 'POST', body: form })
          ).json()) as {
            token: string;
          };
          const socket = new WebSocket(`${wsUrl}?token=${token}`);
          const frames: { type: string; [key: string]: unknown }[] = [];
          (globalThis as unknown as { frames_: typeof frames }).frames_ = frames;
          (globalThis as unknown as { socket_: WebSocket }).socket_ = socket;
          socket.onmessage = (event) => frames.push(JSON.parse(String(event.data)));
          await new Promise<void>((resolve) => {
            socket.onopen = () => resolve();
          });
          socket.send(JSON.stringify({ action: 'joinRoom', room: 'browsers' }));
        },
        { httpUrl: harness.stack.httpUrl, wsUrl: harness.stack.webSocketUrl, username, password },
      );
    const framesOf = (page: Page) =>
      page.evaluate(() => (globalThis as unknown as { frames_: unknown[] }).frames_);
    await join(alicePage, 'alice', 'password1');
    await alicePage.waitForFunction(() =>
      (globalThis as unknown as { frames_: { type: string }[] }).frames_.some(
        (frame) => frame.type === 'joined',
      ),
    );
    await join(bobPage, 'bob', 'password2');
    await alicePage.waitForFunction(() =>
      (globalThis as unknown as { frames_: { type: string; username?: string }[] }).frames_.some(
        (frame) => frame.type === 'joined' && frame.username === 'bob',
      ),
    );

    // Act
    await bobPage.evaluate(() =>
      (globalThis as unknown as { socket_: WebSocket }).socket_.send(
        JSON.stringify({ action: 'sendMessage', room: 'browsers', content: 'Hi from Chromium' }),
      ),
    );
    await alicePage.waitForFunction(() =>
      (globalThis as unknown as { frames_: { type: string }[] }).frames_.some(
        (frame) => frame.type === 'message',
      ),
    );

    // Assess
    expect(await framesOf(alicePage)).toContainEqual(
      expect.objectContaining({
        type: 'message',
        room: 'browsers',
        content: 'Hi from Chromium',
        username: 'bob',
      }),
    );
  });

  it('connects with the token in Sec-WebSocket-Protocol and sees only parley.v1 echoed', async () => {
    // Prepare
    const page = await pageOnStackOrigin();
    const { token } = (await (
      await fetch(`${harness.stack.httpUrl}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'carol', password: 'password3' }),
      })
    ).json()) as { token: string };

    // Act
    const result = await page.evaluate(
      async ({ wsUrl, token }) => {
        const socket = new WebSocket(wsUrl, ['parley.v1', token]);
        const welcome = await new Promise<string>((resolve, reject) => {
          socket.onerror = () => reject(new Error('socket error'));
          socket.onmessage = (event) => resolve(String(event.data));
        });
        const protocol = socket.protocol;
        socket.close();
        return { protocol, welcome };
      },
      { wsUrl: harness.stack.webSocketUrl, token },
    );

    // Assess
    expect(result.protocol).toBe('parley.v1');
    expect(JSON.parse(result.welcome)).toMatchObject({
      type: 'welcome',
      username: 'carol',
      groups: ['moderator'],
    });
  });

  it('connects with the HttpOnly cookie /login set, with no token in page script', async () => {
    // Prepare
    const page = await pageOnStackOrigin();

    // Act
    const result = await page.evaluate(
      async ({ httpUrl, wsUrl }) => {
        const form = new FormData();
        form.append('username', 'dave');
        form.append('password', 'password4');
        await fetch(`${httpUrl}/login`, { method: 'POST', body: form });
        const socket = new WebSocket(wsUrl);
        const welcome = await new Promise<string>((resolve, reject) => {
          socket.onerror = () => reject(new Error('socket error'));
          socket.onmessage = (event) => resolve(String(event.data));
        });
        socket.close();
        return {
          welcome,
          visibleCookies: (globalThis as unknown as { document: { cookie: string } }).document.cookie,
        };
      },
      { httpUrl: harness.stack.httpUrl, wsUrl: harness.stack.webSocketUrl },
    );

    // Assess
    expect(JSON.parse(result.welcome)).toMatchObject({ type: 'welcome', username: 'dave' });
    expect(result.visibleCookies).not.toContain('parley_token');
  });

  it('sees a refused handshake only as close code 1006, as the README says', async () => {
    // Prepare
    const page = await pageOnStackOrigin();
    const before = await harness.table.snapshot();

    // Act
    const code = await page.evaluate(
      async ({ wsUrl }) =>
        new Promise<number>((resolve) => {
          const socket = new WebSocket(`${wsUrl}?token=not-a-jwt`);
          socket.onclose = (event) => resolve(event.code);
        }),
      { wsUrl: harness.stack.webSocketUrl },
    );

    // Assess
    expect(code).toBe(1006);
    expect(await harness.table.snapshot()).toEqual(before);
  });
});
