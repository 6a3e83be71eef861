/**
 * An HTTP request body that must be one JSON document (`POST /notify`): a JSON media type (415
 * otherwise), at most `maxBytes` (413), UTF-8 that parses (400). Login-style bodies, which may also be
 * forms, go through form-body.ts; both share its byte and media-type handling and its `BodyProblem`.
 */
import { type BodyProblem, bodyBytes, decodeText, parseMediaType, type RequestBody } from './form-body.ts';
import { fail, ok, type Result } from './result.ts';

export function parseJsonBody(request: RequestBody, maxBytes: number): Result<unknown, BodyProblem> {
  const bytes = bodyBytes(request, maxBytes);
  if (!bytes.success) return bytes;
  const mediaType = parseMediaType(request.contentType ?? '');
  if (mediaType.type !== 'application/json' && !mediaType.type.endsWith('+json')) {
    return fail({
      kind: 'unsupported-media-type',
      message: `content-type must be application/json, got ${mediaType.type ? `"${mediaType.type}"` : 'none'}`,
    });
  }
  const charset = mediaType.params.get('charset')?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8') {
    return fail({ kind: 'unsupported-media-type', message: `charset must be utf-8, got "${charset}"` });
  }
  const text = decodeText(bytes.data, 'body');
  if (!text.success) return text;
  if (text.data.trim() === '') return fail({ kind: 'malformed', message: 'body is empty; expected JSON' });
  try {
    return ok(JSON.parse(text.data) as unknown);
  } catch {
    return fail({ kind: 'malformed', message: 'body is not valid JSON' });
  }
}
