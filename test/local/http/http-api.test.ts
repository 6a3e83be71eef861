import { createServer, type Server } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpApi, notFound } from '../../../local/http/http-api.ts';
import type { LocalFunction } from '../../../local/lambda/local-function.ts';
import { recordingFunction } from '../support/recording-function.ts';

describe('local HTTP API', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  const serve = async (routes: Record<string, () => Promise<LocalFunction>>) => {
    const api = createHttpApi(routes);
    server = createServer((request, response) => {
      void api(request, response).then((handled) => handled || notFound(request, response));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  };

  it('invokes the route function with a payload 2.0 event and writes its result', async () => {
    // Prepare
    const echo = recordingFunction<APIGatewayProxyEventV2>('echo', (event) => ({
      statusCode: 201,
      headers: { 'X-Route': event.routeKey },
      body: event.body ?? '',
    }));
    let imports = 0;
    const url = await serve({
      'POST /echo': async () => {
        imports++;
        return echo;
      },
    });

    // Act
    const response = await fetch(`${url}/echo?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });

    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.get('x-route')).toBe('POST /echo');
    expect(await response.text()).toBe('{"a":1}');
    expect(echo.events[0]).toMatchObject({
      version: '2.0',
      routeKey: 'POST /echo',
      rawPath: '/echo',
      rawQueryString: 'x=1',
    });
    expect(imports).toBe(1);
  });

  it.each([
    ['an unknown path', 'POST', '/nowhere'],
    ['a known path with another method', 'GET', '/echo'],
  ])('answers 404 for %s', async (_name, method, path) => {
    // Prepare
    const url = await serve({ 'POST /echo': async () => recordingFunction('echo') });

    // Act
    const response = await fetch(`${url}${path}`, { method });

    // Assess
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
  });

  it('answers 500 without details when the function throws', async () => {
    // Prepare
    const url = await serve({
      'POST /fail': async () =>
        recordingFunction('fail', () => {
          throw new Error('database password is hunter2');
        }),
    });

    // Act
    const response = await fetch(`${url}/fail`, { method: 'POST' });

    // Assess
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('hunter2');
  });
});
