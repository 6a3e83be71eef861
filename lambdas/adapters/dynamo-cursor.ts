/**
 * Page cursors for clients: the position to continue after (a room name, a username) as unpadded
 * base64url, so any name travels in a frame as visible ASCII. A cursor is only a position: a forged one
 * can skip entries of a listing the caller may read anyway, never reveal another.
 */
const maxPositionLength = 256;

export function encodeCursor(position: string): string {
  return Buffer.from(position, 'utf8').toString('base64url');
}

/** The position, or null for a cursor that is not one this module made. */
export function decodeCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const position = Buffer.from(cursor, 'base64url').toString('utf8');
  if (position.length === 0 || position.length > maxPositionLength || encodeCursor(position) !== cursor) {
    return null;
  }
  return position;
}
