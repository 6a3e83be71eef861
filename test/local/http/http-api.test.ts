import { createServer, type Server } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpApi, notFound } from '../../../local/http/http-api.ts';
import type { LocalFunction } from '../../../local/lambda/local-function.ts';
import { signSigV4 } from '../../fixtures/sigv4.ts';
import { recordingFunction } from '../support/recording-function.ts';

describe('local HTTP API', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  const serve = async (routes: Record<string, () => Promise<LocalFunction>>, iamRoutes: string[] = []) => {
    const api = createHttpApi(routes, { iamRoutes });
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

  describe('IAM routes', () => {
    type IamEvent = APIGatewayProxyEventV2 & {
      requestContext: { authorizer?: { iam?: Record<string, unknown> } };
    };
    const serveIam = async () => {
      const service = recordingFunction<IamEvent>('service', (event) => ({
        statusCode: 202,
        body: JSON.stringify(event.requestContext.authorizer ?? null),
      }));
      const open = recordingFunction<IamEvent>('open');
      const url = await serve({ 'POST /service': async () => service, 'POST /open': async () => open }, [
        'POST /service',
      ]);
      return { url, service, open };
    };

    it('passes a SigV4-signed request on with the IAM authorizer context', async () => {
      // Prepare
      const { url, service } = await serveIam();
      const body = '{"a":1}';
      const signed = signSigV4({ method: 'POST', url: `${url}/service`, body, region: 'us-east-1' });

      // Act
      const response = await fetch(`${url}/service`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signed },
        body,
      });

      // Assess
      expect(response.status).toBe(202);
      expect(service.events[0]?.requestContext.authorizer?.iam).toMatchObject({
        accessKey: 'AKIDEXAMPLE',
        userArn: 'local',
      });
      expect(service.events[0]?.body).toBe(body);
    });

    it.each([
      ['no Authorization header', undefined, 'Forbidden'],
      ['a bearer token', 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln', 'Forbidden'],
      [
        'a SigV4 header without a signature',
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/us-east-1/execute-api/aws4_request, SignedHeaders=host',
        'Authorization header requires Credential, SignedHeaders and Signature (AWS Signature Version 4)',
      ],
      [
        'a signature for another service',
        `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
        "Credential should be scoped to correct service: 'execute-api', got 'lambda'",
      ],
    ])('answers %s with 403 before the function runs', async (_case, authorization, message) => {
      // Prepare
      const { url, service } = await serveIam();

      // Act
      const response = await fetch(`${url}/service`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: '{}',
      });

      // Assess
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ message });
      expect(service.events).toHaveLength(0);
    });

    it('leaves other routes without IAM and without an authorizer context', async () => {
      // Prepare
      const { url, open } = await serveIam();

      // Act
      const response = await fetch(`${url}/open`, { method: 'POST', body: '{}' });

      // Assess
      expect(response.status).toBe(200);
      expect(open.events[0]?.requestContext.authorizer).toBeUndefined();
    });
  });
});
