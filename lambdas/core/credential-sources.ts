/**
 * Where a connecting client's credential comes from. The authorizer asks a list of extractors in
 * order; the first that finds something wins. Today the only source is the `?token=` query string;
 * a `Sec-WebSocket-Protocol: parley.v1, <token>` header, a cookie or a one-time ticket are further
 * extractors appended to the list, with no change to the authorizer.
 *
 * Remember that API Gateway only invokes the authorizer when every configured identity source is
 * present, so a new source also needs the CDK identity source changed (see the reference notes, §1).
 */
import { tokenQueryParameter } from '../functions.ts';

/** The parts of a `$connect` authorizer request an extractor may read (a structural subset of the event). */
export interface ConnectRequest {
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly multiValueQueryStringParameters?: Readonly<Record<string, readonly string[] | undefined>> | null;
}

/** Where a credential was found. Only `query` has an extractor today; the others name the planned ones. */
export type CredentialSource = 'query' | 'subprotocol' | 'cookie' | 'ticket';

export type Credential =
  | { readonly kind: 'token'; readonly token: string; readonly source: CredentialSource }
  /** The same source carries two different values; refusing beats guessing which one the gateway used. */
  | { readonly kind: 'ambiguous'; readonly source: CredentialSource }
  | { readonly kind: 'missing' };

/** Returns a credential found in its source, or `undefined` when the source is absent or empty. */
export type CredentialExtractor = (
  request: ConnectRequest,
) => Exclude<Credential, { kind: 'missing' }> | undefined;

/** Reads `?<name>=<token>`; empty values count as absent. */
export function queryStringToken(name: string = tokenQueryParameter): CredentialExtractor {
  return (request) => {
    const values = request.multiValueQueryStringParameters?.[name];
    if (values && new Set(values).size > 1) return { kind: 'ambiguous', source: 'query' };
    const token = request.queryStringParameters?.[name];
    return token ? { kind: 'token', token, source: 'query' } : undefined;
  };
}

export const defaultCredentialExtractors: readonly CredentialExtractor[] = [queryStringToken()];

export function extractCredential(
  request: ConnectRequest,
  extractors: readonly CredentialExtractor[] = defaultCredentialExtractors,
): Credential {
  for (const extract of extractors) {
    const credential = extract(request);
    if (credential !== undefined) return credential;
  }
  return { kind: 'missing' };
}
