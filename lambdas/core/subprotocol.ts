/**
 * WebSocket subprotocol negotiation for `$connect`. A browser may offer `['parley.v1', <token>]` (the
 * token travels in Sec-WebSocket-Protocol because browsers cannot set headers); the server must echo
 * exactly one offered value or the browser fails the connection, and it echoes `parley.v1`, never the
 * token.
 */
import { PROTOCOL_VERSION } from './wire.ts';

export const PARLEY_SUBPROTOCOL = PROTOCOL_VERSION;

export type SubprotocolChoice =
  | { readonly kind: 'none' }
  | { readonly kind: 'selected'; readonly protocol: typeof PARLEY_SUBPROTOCOL }
  | { readonly kind: 'unsupported'; readonly offered: readonly string[] };

/** Header values arrive comma-separated (`"parley.v1, eyJ…"`); names are matched case-insensitively. */
export function offeredSubprotocols(
  headers: Readonly<Record<string, string | undefined>> | undefined,
): string[] {
  const raw = Object.entries(headers ?? {}).find(
    ([name]) => name.toLowerCase() === 'sec-websocket-protocol',
  )?.[1];
  return (raw ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
}

export function chooseSubprotocol(
  headers: Readonly<Record<string, string | undefined>> | undefined,
): SubprotocolChoice {
  const offered = offeredSubprotocols(headers);
  if (offered.length === 0) return { kind: 'none' };
  if (offered.includes(PARLEY_SUBPROTOCOL)) return { kind: 'selected', protocol: PARLEY_SUBPROTOCOL };
  // Only the protocol names are reported, so a token offered alone never reaches a log or response.
  return {
    kind: 'unsupported',
    offered: offered.map((value) => (value.length > 32 ? `${value.slice(0, 8)}…` : value)),
  };
}
