/**
 * Test helper: the local identity provider behind a real HTTP server on 127.0.0.1, port 0.
 * (Not a test file itself; shared by the identity tests.)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../../lambdas/core/ports.ts';
import {
  createIdentityProvider,
  type IdentityProvider,
  type IdentityProviderProps,
} from '../../../local/identity/identity-provider.ts';

export interface IdentityServer {
  readonly baseUrl: string;
  readonly provider: IdentityProvider;
  readonly logLines: string[];
  close(): Promise<void>;
}

export async function startIdentityServer(
  props: Omit<IdentityProviderProps, 'issuerUrl'> = {},
): Promise<IdentityServer> {
  let provider: IdentityProvider | undefined;
  const server = createServer((req, res) => {
    void (async () => {
      if (!(await provider?.handle(req, res))) res.writeHead(404).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const logLines: string[] = [];
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    logLines.push(JSON.stringify({ level, message, ...fields }));
  };
  const logger: Logger = { info: record('INFO'), warn: record('WARN'), error: record('ERROR') };
  provider = await createIdentityProvider({ logger, ...props, issuerUrl: baseUrl });
  return {
    baseUrl,
    provider,
    logLines,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** POSTs like a browser: `FormData` for login (the tutorial's client), JSON otherwise. */
export async function post(
  baseUrl: string,
  path: string,
  body: FormData | Record<string, string> | URLSearchParams,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const init: RequestInit =
    body instanceof FormData || body instanceof URLSearchParams
      ? { method: 'POST', body }
      : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
  const response = await fetch(`${baseUrl}${path}`, init);
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

export function form(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  return data;
}
