/**
 * A JWKS fetcher for plain-HTTP issuers on this machine (the local identity provider).
 *
 * aws-jwt-verify's default fetcher speaks HTTPS only, which is right for every real issuer. The local
 * stack serves its JWKS over http://127.0.0.1, so it installs this fetcher in the token verifier
 * (`installLoopbackJwksFetcher`) before it imports the handlers; nothing under lambdas/ imports it, so
 * it is not in any deployed bundle. It refuses every host that is not a loopback address, so a
 * configuration mistake cannot turn into fetching keys over the network in clear text.
 */

import { FetchError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';

/** Hosts a plain-HTTP JWKS URI may name. `URL.hostname` keeps IPv6 brackets. */
const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for `http://localhost`, `http://127.0.0.1` and `http://[::1]` URLs (any port and path). */
export function isLoopbackHttpUrl(uri: string): boolean {
  const url = parseUrl(uri);
  return url !== undefined && url.protocol === 'http:' && loopbackHosts.has(url.hostname);
}

export interface LoopbackHttpFetcherProps {
  /**
   * Milliseconds before a request (connect, headers and body) is abandoned.
   * @default 3000 (aws-jwt-verify's response timeout)
   */
  readonly timeoutMs?: number;
  /**
   * Largest JWKS accepted, in bytes.
   * @default 65536
   */
  readonly maxBytes?: number;
}

/**
 * Fetches JWKS documents over plain HTTP from loopback hosts, with a timeout, a size limit and no
 * redirects. Failures are aws-jwt-verify `FetchError`s so callers see the same error tree as with
 * its HTTPS fetcher.
 */
export class LoopbackHttpFetcher implements Fetcher {
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(props: LoopbackHttpFetcherProps = {}) {
    this.timeoutMs = props.timeoutMs ?? 3000;
    this.maxBytes = props.maxBytes ?? 65_536;
  }

  async fetch(uri: string): Promise<ArrayBuffer> {
    if (!isLoopbackHttpUrl(uri)) {
      throw new NonRetryableFetchError(uri, 'plain HTTP is allowed only for localhost, 127.0.0.1 and ::1');
    }
    let response: Response;
    try {
      response = await fetch(uri, {
        method: 'GET',
        redirect: 'error',
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new FetchError(uri, error instanceof Error ? error.message : String(error));
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new NonRetryableFetchError(uri, `Status code is ${response.status}, expected 200`);
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > this.maxBytes) {
      await response.body?.cancel();
      throw new NonRetryableFetchError(
        uri,
        `JWKS is ${declared} bytes, more than the ${this.maxBytes} allowed`,
      );
    }
    let body: ArrayBuffer;
    try {
      body = await response.arrayBuffer();
    } catch (error) {
      throw new FetchError(uri, error instanceof Error ? error.message : String(error));
    }
    if (body.byteLength > this.maxBytes) {
      throw new NonRetryableFetchError(
        uri,
        `JWKS is ${body.byteLength} bytes, more than the ${this.maxBytes} allowed`,
      );
    }
    return body;
  }
}

function parseUrl(uri: string): URL | undefined {
  try {
    return new URL(uri);
  } catch {
    return undefined;
  }
}
