import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { type HttpApiHandler, serveHttpApi } from '../../../local/identity/lambda-http-bridge.ts';

let server: Server | undefined;

/** Serves `handler` through the bridge and returns the base URL and the events it received. */
async function bridge(handler: HttpApiHandler, maxBodyBytes?: number) {
  const events: APIGatewayProxyEventV2[] = [];
  server = createServer((req, res) => {
    void serveHttpApi(
      async (event) => {
        events.push(event);
        return handler(event);
      },
      req,
      res,
      { routeKey: 'POST /echo', ...(maxBodyBytes ? { maxBodyBytes } : {}) },
    );
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, events };
}

afterEach(async () => {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
});

const ok: HttpApiHandler = async () => ({ statusCode: 204 });

describe('lambda HTTP bridge', () => {
  it('builds a payload 2.0 event from a form post', async () => {
    // Prepare
    const { baseUrl, events } = await bridge(ok);
    const form = new FormData();
    form.append('username', 'alice');

    // Act
    await fetch(`${baseUrl}/echo?room=a&room=b&x=1`, {
      method: 'POST',
      body: form,
      headers: { 'X-Custom': 'one', cookie: 'a=1; b=2' },
    });

    // Assess
    const [event] = events;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /echo',
      rawPath: '/echo',
      rawQueryString: 'room=a&room=b&x=1',
      queryStringParameters: { room: 'a,b', x: '1' },
      cookies: ['a=1', 'b=2'],
      isBase64Encoded: true,
      requestContext: {
        http: { method: 'POST', path: '/echo', sourceIp: '127.0.0.1' },
        routeKey: 'POST /echo',
      },
    });
    expect(event?.headers['x-custom']).toBe('one');
    expect(event?.headers).not.toHaveProperty('cookie');
    expect(event?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(Buffer.from(event?.body ?? '', 'base64').toString()).toContain('name="username"\r\n\r\nalice\r\n');
  });

  it('passes JSON bodies as text', async () => {
    // Prepare
    const { baseUrl, events } = await bridge(ok);

    // Act
    await fetch(`${baseUrl}/echo`, {
      method: 'POST',
      body: '{"a":"é"}',
      headers: { 'content-type': 'application/json' },
    });

    // Assess
    expect(events[0]).toMatchObject({ body: '{"a":"é"}', isBase64Encoded: false });
  });

  it.each<[string, APIGatewayProxyResultV2, number, string, string | null]>([
    [
      'a structured result',
      { statusCode: 201, headers: { 'X-Thing': 'yes' }, body: 'made' },
      201,
      'made',
      null,
    ],
    [
      'a bare object, as a 200 JSON body',
      { hello: 'world' } as never,
      200,
      '{"hello":"world"}',
      'application/json',
    ],
    ['a bare string, as a 200 body', 'plain', 200, 'plain', 'application/json'],
    [
      'a base64 body',
      { statusCode: 200, body: Buffer.from('binary!').toString('base64'), isBase64Encoded: true },
      200,
      'binary!',
      null,
    ],
  ])('writes %s', async (_case, result, status, body, contentType) => {
    // Prepare
    const { baseUrl } = await bridge(async () => result);

    // Act
    const response = await fetch(`${baseUrl}/echo`, { method: 'POST' });

    // Assess
    expect(response.status).toBe(status);
    expect(await response.text()).toBe(body);
    if (contentType) expect(response.headers.get('content-type')).toBe(contentType);
  });

  it('sends cookies as separate Set-Cookie headers', async () => {
    // Prepare
    const { baseUrl } = await bridge(async () => ({ statusCode: 200, cookies: ['a=1; HttpOnly', 'b=2'] }));

    // Act
    const response = await fetch(`${baseUrl}/echo`, { method: 'POST' });

    // Assess
    expect(response.headers.getSetCookie()).toEqual(['a=1; HttpOnly', 'b=2']);
  });

  it("answers an oversized body with API Gateway's 413 without calling the handler", async () => {
    // Prepare
    const { baseUrl, events } = await bridge(ok, 1024);

    // Act
    const response = await fetch(`${baseUrl}/echo`, { method: 'POST', body: 'x'.repeat(4096) });

    // Assess
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'Request Entity Too Large' });
    expect(events).toEqual([]);
  });

  it('hides a failing handler behind a 500, as API Gateway does', async () => {
    // Prepare
    const { baseUrl } = await bridge(async () => {
      throw new Error('secret internals');
    });

    // Act
    const response = await fetch(`${baseUrl}/echo`, { method: 'POST' });

    // Assess
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('secret internals');
  });
});
