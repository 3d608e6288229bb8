/**
 * `spin up --variable`, as Spin takes it: `KEY=VALUE`, `KEY=@file` (the file's text), or
 * `@file.json` / `@file.toml` (a map of names to string values). Later values win. They
 * reach the variables factor as SPIN_VARIABLE_<NAME>, ahead of the process environment's.
 */
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { CliError } from './errors.js';

function readText(source: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`--variable ${source}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function checkName(source: string, name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name))
    throw new CliError(`--variable ${source}: '${name}' is not a variable name (letters, digits and _, starting with a letter)`);
  return name;
}

function fromMap(source: string, value: unknown): Array<[string, string]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CliError(`--variable ${source}: the file must hold a map of names to strings`);
  return Object.entries(value).map(([k, v]) => {
    if (typeof v !== 'string') throw new CliError(`--variable ${source}: the value of '${k}' must be a string`);
    return [checkName(source, k), v];
  });
}

/** Every --variable value, in order, as [name, value] pairs. */
export function parseVariableSources(sources: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const source of sources) {
    if (source.startsWith('@')) {
      const file = source.slice(1);
      if (!file.endsWith('.json') && !file.endsWith('.toml')) throw new CliError(`--variable ${source}: variable files must end in .json or .toml`);
      const text = readText(source, file);
      if (file.endsWith('.json')) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (err) {
          throw new CliError(`--variable ${source}: not valid JSON (${(err as Error).message})`);
        }
        out.push(...fromMap(source, parsed));
      } else {
        let parsed: unknown;
        try {
          parsed = parseToml(text);
        } catch (err) {
          throw new CliError(`--variable ${source}: not valid TOML (${(err as Error).message.split('\n')[0]})`);
        }
        out.push(...fromMap(source, parsed));
      }
      continue;
    }
    const eq = source.indexOf('=');
    if (eq <= 0) throw new CliError(`--variable: '${source}' is not KEY=VALUE, KEY=@FILE, @FILE.json or @FILE.toml`);
    const name = checkName(source, source.slice(0, eq));
    const value = source.slice(eq + 1);
    out.push([name, value.startsWith('@') ? readText(source, value.slice(1)) : value]);
  }
  return out;
}

/** The pairs as the environment entries the variables factor reads. */
export function variablesAsEnv(pairs: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  return Object.fromEntries(pairs.map(([k, v]) => [`SPIN_VARIABLE_${k.toUpperCase()}`, v]));
}
