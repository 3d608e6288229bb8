/**
 * Reading and checking request bodies: a JSON object, then typed fields. Every problem is an
 * ApiError 400 that names the field (`param`) and says what was expected. `null` counts as absent,
 * as OpenAI clients send it for unset options.
 */
import { ApiError } from './errors.js';

/** Largest request body accepted (a long chat history fits many times over). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bodyTooLarge(bytes: number, limit: number): ApiError {
  return new ApiError(413, `the request body is ${bytes} bytes; the limit is ${limit}`, 'invalid_request_error', 'request_too_large');
}

/** The request body as a JSON object, or a 400/413 (`tooLarge`'s error past `limit`) saying why not. */
export async function readJsonObject(
  req: Request,
  limit = MAX_BODY_BYTES,
  tooLarge: (bytes: number, limit: number) => ApiError = bodyTooLarge,
): Promise<JsonObject> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(declared, limit);
  let text: string;
  try {
    const bytes = new Uint8Array(await req.arrayBuffer());
    if (bytes.byteLength > limit) throw tooLarge(bytes.byteLength, limit);
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw ApiError.badRequest(`cannot read the request body: ${(err as Error).message}`, null, 'invalid_body');
  }
  if (text.trim() === '') throw ApiError.badRequest('the request body is empty; send a JSON object', null, 'invalid_body');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw ApiError.badRequest(`the request body is not valid JSON: ${(err as Error).message}`, null, 'invalid_json');
  }
  if (!isObject(value)) throw ApiError.badRequest('the request body must be a JSON object', null, 'invalid_body');
  return value;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function bad(param: string, message: string): ApiError {
  return ApiError.badRequest(`'${param}': ${message}`, param, 'invalid_value');
}

/** Typed access to a body's fields; `prefix` names nested fields in messages (e.g. messages[2].). */
export class Fields {
  constructor(
    readonly body: JsonObject,
    private readonly prefix = '',
  ) {}

  private name(field: string): string {
    return `${this.prefix}${field}`;
  }

  has(field: string): boolean {
    return this.body[field] !== undefined && this.body[field] !== null;
  }

  raw(field: string): unknown {
    const v = this.body[field];
    return v === null ? undefined : v;
  }

  requiredString(field: string, what = 'a non-empty string'): string {
    const v = this.raw(field);
    if (v === undefined) throw ApiError.badRequest(`'${this.name(field)}' is required: ${what}`, this.name(field), 'missing_required_parameter');
    if (typeof v !== 'string' || v.length === 0) throw bad(this.name(field), `expected ${what}, got ${describe(v)}`);
    return v;
  }

  optBoolean(field: string): boolean | undefined {
    const v = this.raw(field);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw bad(this.name(field), `expected true or false, got ${describe(v)}`);
    return v;
  }

  optNumber(field: string, min: number, max: number): number | undefined {
    const v = this.raw(field);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(this.name(field), `expected a number, got ${describe(v)}`);
    if (v < min || v > max) throw bad(this.name(field), `must be between ${min} and ${max}, got ${v}`);
    return v;
  }

  optInteger(field: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.raw(field);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(this.name(field), `expected an integer, got ${describe(v)}`);
    if (v < min || v > max)
      throw bad(this.name(field), max === Number.MAX_SAFE_INTEGER ? `must be ≥ ${min}, got ${v}` : `must be between ${min} and ${max}, got ${v}`);
    return v;
  }

  optObject(field: string): Fields | undefined {
    const v = this.raw(field);
    if (v === undefined) return undefined;
    if (!isObject(v)) throw bad(this.name(field), `expected an object, got ${describe(v)}`);
    return new Fields(v, `${this.name(field)}.`);
  }

  /** OpenAI `stop`: a string or a list of up to `max` strings. */
  optStop(field: string, max = 4): string[] | undefined {
    const v = this.raw(field);
    if (v === undefined) return undefined;
    if (typeof v === 'string') return [v];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw bad(this.name(field), `expected a string or a list of strings, got ${describe(v)}`);
    if (v.length > max) throw bad(this.name(field), `at most ${max} stop sequences, got ${v.length}`);
    return v as string[];
  }

  /** Refuse a field we do not implement unless it holds the harmless value. */
  unsupported(field: string, harmless: (v: unknown) => boolean, why: string): void {
    const v = this.raw(field);
    if (v !== undefined && !harmless(v)) throw ApiError.badRequest(`'${this.name(field)}' ${why}`, this.name(field), 'unsupported_parameter');
  }
}

export function isJsonObject(v: unknown): v is JsonObject {
  return isObject(v);
}

export function describeValue(v: unknown): string {
  return describe(v);
}
