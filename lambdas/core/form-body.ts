/**
 * An HTTP request body → named fields, for the small forms Parley accepts (login, refresh). Understands
 * JSON objects, `application/x-www-form-urlencoded` and `multipart/form-data` text fields, bodies that
 * API Gateway base64-encoded, and nothing larger than {@link maxFormBodyBytes}.
 */
import { fail, ok, type Result } from './result.ts';

/** Login and refresh bodies are a few hundred bytes; 16 KB leaves room for long refresh tokens. */
export const maxFormBodyBytes = 16 * 1024;
/** A login form has two fields; a few more tolerates submit buttons and CSRF fields. */
const maxFormParts = 16;

/** The body as API Gateway's HTTP API (payload v2) delivers it. */
export interface RequestBody {
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  /** The `content-type` header, if any. */
  readonly contentType?: string | null;
}

export type BodyProblem =
  | { readonly kind: 'too-large'; readonly message: string }
  | { readonly kind: 'unsupported-media-type'; readonly message: string }
  | { readonly kind: 'malformed'; readonly message: string }
  | { readonly kind: 'invalid-field'; readonly message: string };

/** Every value sent under each name, in order: JSON gives one value per name, forms may repeat a name. */
export type FormFields = ReadonlyMap<string, readonly unknown[]>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function parseFormBody(request: RequestBody): Promise<Result<FormFields, BodyProblem>> {
  const bytes = bodyBytes(request);
  if (!bytes.success) return bytes;
  const contentType = request.contentType ?? '';
  const mediaType = parseMediaType(contentType);
  const charset = mediaType.params.get('charset')?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'us-ascii') {
    return fail({ kind: 'unsupported-media-type', message: `charset must be utf-8, got "${charset}"` });
  }
  switch (mediaType.type) {
    // fetch() with a string body and no header sends text/plain; treat it, and no header at all, as JSON.
    case '':
    case 'text/plain':
    case 'application/json':
      return parseJsonFields(bytes.data);
    case 'application/x-www-form-urlencoded':
    case 'multipart/form-data':
      return parsePlatformForm(bytes.data, contentType, mediaType.type);
    default:
      if (mediaType.type.endsWith('+json')) return parseJsonFields(bytes.data);
      return fail({
        kind: 'unsupported-media-type',
        message: `content-type must be application/json, application/x-www-form-urlencoded or multipart/form-data, got "${mediaType.type}"`,
      });
  }
}

/** The body's bytes, base64 decoded when API Gateway encoded it; 'too-large' beyond `maxBytes`. */
export function bodyBytes(request: RequestBody, maxBytes = maxFormBodyBytes): Result<Buffer, BodyProblem> {
  const body = request.body ?? '';
  const tooLarge = fail({
    kind: 'too-large' as const,
    message: `body must be at most ${maxBytes} bytes`,
  });
  if (!request.isBase64Encoded) {
    return Buffer.byteLength(body, 'utf8') > maxBytes ? tooLarge : ok(Buffer.from(body, 'utf8'));
  }
  // Checked before decoding so an oversized body costs nothing.
  if (body.length > Math.ceil(maxBytes / 3) * 4) return tooLarge;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 === 1) {
    return fail({ kind: 'malformed', message: 'body is marked base64-encoded but is not valid base64' });
  }
  const bytes = Buffer.from(body, 'base64');
  return bytes.length > maxBytes ? tooLarge : ok(bytes);
}

interface MediaType {
  /** Lower-cased `type/subtype`, or '' when the header is absent. */
  readonly type: string;
  /** Parameter names lower-cased; quoted values unquoted. */
  readonly params: ReadonlyMap<string, string>;
}

/** RFC 9110 media type: `type/subtype *( ; name=value )` with token or quoted-string values. */
export function parseMediaType(header: string): MediaType {
  const semicolon = header.indexOf(';');
  const type = (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  return { type, params: semicolon === -1 ? new Map() : parseParameters(header.slice(semicolon + 1)) };
}

/** `; name=value; name="quoted \"value\""` → map; used by Content-Type and Content-Disposition. */
function parseParameters(text: string): Map<string, string> {
  const params = new Map<string, string>();
  const pattern = /\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))\s*(?:;|$)/gy;
  for (let match = pattern.exec(text); match !== null && match[0] !== ''; match = pattern.exec(text)) {
    const [, name = '', quoted, token] = match;
    const value = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (token ?? '').trim();
    if (!params.has(name.toLowerCase())) params.set(name.toLowerCase(), value);
  }
  return params;
}

export function decodeText(bytes: Uint8Array, what: string): Result<string, BodyProblem> {
  try {
    return ok(utf8.decode(bytes));
  } catch {
    return fail({ kind: 'malformed', message: `${what} is not valid UTF-8` });
  }
}

function parseJsonFields(bytes: Buffer): Result<FormFields, BodyProblem> {
  const text = decodeText(bytes, 'body');
  if (!text.success) return text;
  if (text.data.trim() === '')
    return fail({ kind: 'malformed', message: 'body is empty; expected a JSON object' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.data);
  } catch {
    return fail({ kind: 'malformed', message: 'body is not valid JSON' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail({ kind: 'malformed', message: `body must be a JSON object, got ${describeJson(parsed)}` });
  }
  // Own keys only; a "__proto__" key from JSON.parse is just a name nobody asks for.
  return ok(new Map(Object.entries(parsed).map(([name, value]) => [name, [value]])));
}

function describeJson(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return `a ${typeof value}`;
}

/**
 * URL-encoded and multipart bodies through the platform's own parser (`Response.formData()`), with
 * Parley's rules on top: text fields only (a file part is refused), a bounded number of parts, UTF-8.
 */
async function parsePlatformForm(
  bytes: Buffer,
  contentType: string,
  type: 'application/x-www-form-urlencoded' | 'multipart/form-data',
): Promise<Result<FormFields, BodyProblem>> {
  if (type === 'application/x-www-form-urlencoded') {
    const text = decodeText(bytes, 'body');
    if (!text.success) return text;
  } else if (!parseMediaType(contentType).params.get('boundary')) {
    return fail({
      kind: 'malformed',
      message: 'multipart/form-data needs a boundary parameter in its content type (RFC 2046)',
    });
  }
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(bytes), { headers: { 'content-type': contentType } }).formData();
  } catch {
    return fail({
      kind: 'malformed',
      message:
        type === 'multipart/form-data'
          ? 'multipart body does not parse as browsers and curl send it (RFC 7578: quoted field names, the closing boundary, no preamble)'
          : 'body is not a valid URL-encoded form',
    });
  }
  const fields = new Map<string, unknown[]>();
  let parts = 0;
  for (const [name, value] of form) {
    if (++parts > maxFormParts) {
      return fail({ kind: 'malformed', message: `form has more than ${maxFormParts} fields` });
    }
    if (typeof value !== 'string') {
      return fail({ kind: 'invalid-field', message: `${name} must be a text field, not a file upload` });
    }
    const values = fields.get(name);
    if (values) values.push(value);
    else fields.set(name, [value]);
  }
  return ok(fields);
}
