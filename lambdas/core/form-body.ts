/**
 * An HTTP request body → named fields, for the small forms Parley accepts (login, refresh). Understands
 * JSON objects, `application/x-www-form-urlencoded` and `multipart/form-data` text fields, bodies that
 * API Gateway base64-encoded, and nothing larger than {@link maxFormBodyBytes}.
 */
import { fail, ok, type Result } from './result.ts';

/** Login and refresh bodies are a few hundred bytes; 16 KB leaves room for long refresh tokens. */
export const maxFormBodyBytes = 16 * 1024;
/** A login form has two fields; a few more tolerates submit buttons and CSRF fields. */
const maxMultipartParts = 16;

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

export function parseFormBody(request: RequestBody): Result<FormFields, BodyProblem> {
  const bytes = bodyBytes(request);
  if (!bytes.success) return bytes;
  const mediaType = parseMediaType(request.contentType ?? '');
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
      return parseUrlEncodedFields(bytes.data);
    case 'multipart/form-data':
      return parseMultipartFields(bytes.data, mediaType.params.get('boundary'));
    default:
      if (mediaType.type.endsWith('+json')) return parseJsonFields(bytes.data);
      return fail({
        kind: 'unsupported-media-type',
        message: `content-type must be application/json, application/x-www-form-urlencoded or multipart/form-data, got "${mediaType.type}"`,
      });
  }
}

function bodyBytes(request: RequestBody): Result<Buffer, BodyProblem> {
  const body = request.body ?? '';
  const tooLarge = fail({
    kind: 'too-large' as const,
    message: `body must be at most ${maxFormBodyBytes} bytes`,
  });
  if (!request.isBase64Encoded) {
    return Buffer.byteLength(body, 'utf8') > maxFormBodyBytes ? tooLarge : ok(Buffer.from(body, 'utf8'));
  }
  // Checked before decoding so an oversized body costs nothing.
  if (body.length > Math.ceil(maxFormBodyBytes / 3) * 4) return tooLarge;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 === 1) {
    return fail({ kind: 'malformed', message: 'body is marked base64-encoded but is not valid base64' });
  }
  const bytes = Buffer.from(body, 'base64');
  return bytes.length > maxFormBodyBytes ? tooLarge : ok(bytes);
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

function decodeText(bytes: Uint8Array, what: string): Result<string, BodyProblem> {
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

function parseUrlEncodedFields(bytes: Buffer): Result<FormFields, BodyProblem> {
  const text = decodeText(bytes, 'body');
  if (!text.success) return text;
  const fields = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(text.data)) addField(fields, name, value);
  return ok(fields);
}

function addField(fields: Map<string, unknown[]>, name: string, value: unknown): void {
  const values = fields.get(name);
  if (values) values.push(value);
  else fields.set(name, [value]);
}

const CRLF = Buffer.from('\r\n');

/**
 * `multipart/form-data` (RFC 7578 over RFC 2046) with text fields only. The boundary comes from the
 * content type; a preamble and an epilogue are ignored; parts with a `filename` (file uploads) are refused.
 */
function parseMultipartFields(bytes: Buffer, boundary: string | undefined): Result<FormFields, BodyProblem> {
  if (
    !boundary ||
    boundary.length > 70 ||
    !/^[0-9A-Za-z'()+_,\-./:=? ]*[0-9A-Za-z'()+_,\-./:=?]$/.test(boundary)
  ) {
    return fail({
      kind: 'malformed',
      message: 'multipart/form-data needs a boundary parameter of 1 to 70 characters (RFC 2046)',
    });
  }
  const malformed = (detail: string) =>
    fail({ kind: 'malformed' as const, message: `multipart body ${detail}` });
  const dashBoundary = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.concat([CRLF, dashBoundary]);

  let position: number;
  if (bytes.subarray(0, dashBoundary.length).equals(dashBoundary)) position = dashBoundary.length;
  else {
    const first = bytes.indexOf(delimiter);
    if (first === -1) return malformed(`does not contain the boundary "${boundary}"`);
    position = first + delimiter.length;
  }

  const fields = new Map<string, unknown[]>();
  for (let parts = 0; ; parts++) {
    if (bytes.subarray(position, position + 2).toString('latin1') === '--') return ok(fields);
    if (parts === maxMultipartParts) return malformed(`has more than ${maxMultipartParts} parts`);
    while (bytes[position] === 0x20 || bytes[position] === 0x09) position++;
    if (!bytes.subarray(position, position + 2).equals(CRLF))
      return malformed('has a boundary not followed by CRLF');
    position += 2;
    const end = bytes.indexOf(delimiter, position);
    if (end === -1) return malformed('ends without the closing boundary');
    const field = parseMultipartPart(bytes.subarray(position, end));
    if (!field.success) return field;
    if (field.data !== undefined) addField(fields, field.data.name, field.data.value);
    position = end + delimiter.length;
  }
}

function parseMultipartPart(part: Buffer): Result<{ name: string; value: string } | undefined, BodyProblem> {
  const malformed = (detail: string) =>
    fail({ kind: 'malformed' as const, message: `multipart part ${detail}` });
  const headerEnd = part.subarray(0, 2).equals(CRLF) ? 0 : part.indexOf('\r\n\r\n');
  if (headerEnd === -1) return malformed('has no blank line after its headers');
  const headerText = decodeText(part.subarray(0, headerEnd), 'multipart part header');
  if (!headerText.success) return headerText;
  const content = part.subarray(headerEnd === 0 ? 2 : headerEnd + 4);

  let disposition: string | undefined;
  for (const line of headerText.data.split('\r\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return malformed(`has a header line without a name: "${line.slice(0, 40)}"`);
    if (line.slice(0, colon).trim().toLowerCase() === 'content-disposition')
      disposition = line.slice(colon + 1);
  }
  if (disposition === undefined) return malformed('has no Content-Disposition header');
  const { type, params } = parseMediaType(disposition);
  const name = params.get('name');
  if (type !== 'form-data' || name === undefined) return malformed('is not "form-data" with a name');
  if (params.has('filename') || params.has('filename*')) {
    return fail({ kind: 'invalid-field', message: `${name} must be a text field, not a file upload` });
  }
  const value = decodeText(content, `multipart field ${name}`);
  return value.success ? ok({ name, value: value.data }) : value;
}
