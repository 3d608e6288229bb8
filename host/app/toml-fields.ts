/**
 * Typed reads of parsed TOML values with errors that name the file, the field,
 * its position (best effort) and a fix. Shared by the manifest and the runtime
 * config loaders.
 */
import { parse, TomlError } from 'smol-toml';
import { ManifestError } from './errors.js';
import { closest } from './suggest.js';
import { joinField, locateField } from './toml-locate.js';

export type Table = Record<string, unknown>;

export function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** "a string", "an integer", … for "must be X, not Y" messages. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return 'a boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a float';
  if (typeof v === 'bigint') return 'an integer';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return 'a date';
  if (isTable(v)) return 'a table';
  return typeof v;
}

/** Parses TOML text; syntax errors become a ManifestError with line and column. */
export function parseToml(file: string, text: string): Table {
  try {
    return parse(text) as Table;
  } catch (e) {
    if (e instanceof TomlError) {
      const what = e.message.replace(/^Invalid TOML document:\s*/, '').split('\n')[0] ?? 'syntax error';
      throw new ManifestError({
        file,
        field: '',
        problem: `invalid TOML: ${what}`,
        fix: 'Fix the TOML syntax at that position.',
        line: e.line,
        column: e.column,
        excerpt: e.codeblock,
      });
    }
    throw e;
  }
}

export class FieldReader {
  constructor(
    readonly file: string,
    private readonly text: string,
  ) {}

  /** Throws a ManifestError for `field`, located in the text when possible. */
  fail(field: string, problem: string, fix: string): never {
    const pos = field ? locateField(this.text, field) : undefined;
    throw new ManifestError({ file: this.file, field, problem, fix, ...pos });
  }

  /** Rejects any key of `t` not in `allowed`. */
  checkKeys(t: Table, field: string, allowed: readonly string[]): void {
    for (const key of Object.keys(t)) {
      if (allowed.includes(key)) continue;
      const guess = closest(key, allowed);
      const list = allowed.length ? `Allowed keys here: ${allowed.join(', ')}.` : 'This table takes no keys.';
      this.fail(joinField(field, key), `unknown key "${key}"`, guess ? `Did you mean "${guess}"? ${list}` : `Remove it. ${list}`);
    }
  }

  /** Requires `v` (the value at `field`) to be a table. */
  asTable(v: unknown, field: string): Table {
    if (!isTable(v)) {
      this.fail(field, `must be a table, not ${describeValue(v)}`, `Write it as a table, e.g. [${field}] or ${lastKey(field)} = { ... }.`);
    }
    return v;
  }

  optTable(t: Table, key: string, parent: string): Table | undefined {
    const v = t[key];
    return v === undefined ? undefined : this.asTable(v, joinField(parent, key));
  }

  reqString(t: Table, key: string, parent: string, fix?: string): string {
    const v = t[key];
    if (v === undefined) {
      this.fail(joinField(parent, key), `missing required key "${key}"`, fix ?? `Add ${key} = "..." to ${parent ? `[${parent}]` : 'the top of the file'}.`);
    }
    return this.asString(v, joinField(parent, key));
  }

  optString(t: Table, key: string, parent: string): string | undefined {
    const v = t[key];
    return v === undefined ? undefined : this.asString(v, joinField(parent, key));
  }

  asString(v: unknown, field: string): string {
    if (typeof v !== 'string') {
      this.fail(field, `must be a string, not ${describeValue(v)}`, `Write it as ${lastKey(field)} = "...".`);
    }
    return v;
  }

  optBool(t: Table, key: string, parent: string): boolean | undefined {
    const v = t[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') {
      this.fail(joinField(parent, key), `must be true or false, not ${describeValue(v)}`, `Write it as ${key} = true or ${key} = false.`);
    }
    return v;
  }

  /** An optional integer with a lower bound. */
  optInt(t: Table, key: string, parent: string, min: number): number | undefined {
    const v = t[key];
    if (v === undefined) return undefined;
    const field = joinField(parent, key);
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.fail(field, `must be an integer, not ${describeValue(v)}`, `Write it as ${key} = ${Math.max(min, 1)} (no quotes).`);
    }
    if (v < min) this.fail(field, `must be at least ${min}, not ${v}`, `Use a value of ${min} or more.`);
    return v;
  }

  /** An optional list of strings (empty when absent). */
  stringList(t: Table, key: string, parent: string): string[] {
    const v = t[key];
    if (v === undefined) return [];
    const field = joinField(parent, key);
    if (!Array.isArray(v)) {
      this.fail(field, `must be a list of strings, not ${describeValue(v)}`, `Write it as ${key} = ["..."].`);
    }
    return v.map((item, i) => {
      if (typeof item !== 'string') {
        this.fail(joinField(field, i), `must be a string, not ${describeValue(item)}`, `Write ${key} as a list of strings, e.g. ${key} = ["..."].`);
      }
      return item;
    });
  }

  /** An optional table of string values (empty when absent). */
  stringMap(t: Table, key: string, parent: string): Record<string, string> {
    const table = this.optTable(t, key, parent);
    const field = joinField(parent, key);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(table ?? {})) {
      const f = joinField(field, k);
      if (typeof v !== 'string') {
        this.fail(f, `must be a string, not ${describeValue(v)}`, `Quote the value: ${JSON.stringify(k)} = "...".`);
      }
      out[k] = v;
    }
    return out;
  }
}

function lastKey(field: string): string {
  const m = /([^.[\]"]+|"[^"]*")(\[\d+\])*$/.exec(field);
  return m?.[1] ?? field;
}
