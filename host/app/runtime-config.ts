/**
 * Loads the runtime config file (`--runtime-config-file`, TOML). The loader keeps what is
 * app-wide (`state_dir`) and hands every other section to the one that owns it (a factor,
 * or the OpenAI-compatible API). A section nobody owns is an error naming it; a section
 * Spin has and spin-ts does not (yet) is a clear error too, never silently ignored.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { displayPath, ManifestError } from './errors.js';
import { FieldReader, parseToml, type Table } from './toml-fields.js';

/** Top-level sections owned by someone outside the loader; what `read` returns is kept under `name`. */
export interface RuntimeConfigSectionOwner {
  name: string;
  sections: readonly string[];
  /** Reads (and checks, failing through `r`) this owner's sections of the whole file; called even when they are absent. */
  read(r: FieldReader, raw: Table, baseDir: string): unknown;
}

export interface RuntimeConfig {
  /** Absolute path of the file, when one was given. */
  path?: string;
  /** Directory relative paths resolve against: the file's directory, else the working directory. */
  baseDir: string;
  /** Absolute `state_dir`, when set. */
  stateDir?: string;
  /** What each owner read, by owner name. */
  sections: Record<string, unknown>;
  /** The parsed TOML as written. */
  raw: Record<string, unknown>;
}

/** Sections and keys Spin's runtime config has that no part of spin-ts implements yet (a factor that comes to own one takes it off this list). */
const SPIN_ONLY: Record<string, string> = {
  variables_provider: 'variables providers (Vault, Azure Key Vault, …)',
  config_provider: 'config providers (Vault, …)',
  log_dir: 'writing component logs to a directory (spin-ts prints them to stderr)',
};

/** Reads the runtime config at `file` (with no path: the defaults), handing sections to their owners. */
export async function loadRuntimeConfig(file: string | undefined, owners: readonly RuntimeConfigSectionOwner[]): Promise<RuntimeConfig> {
  if (file === undefined) {
    const r = new FieldReader('(no runtime config)', '');
    return { baseDir: process.cwd(), sections: Object.fromEntries(owners.map((o) => [o.name, o.read(r, {}, process.cwd())])), raw: {} };
  }
  const abs = path.resolve(file);
  const shown = displayPath(abs);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ManifestError({
      file: shown,
      field: '',
      problem: code === 'ENOENT' ? 'runtime config file not found' : `cannot read the runtime config file (${code ?? String(e)})`,
      fix: 'Check the path given to --runtime-config-file.',
    });
  }
  const raw = parseToml(shown, text);
  const r = new FieldReader(shown, text);
  const baseDir = path.dirname(abs);
  const owned = new Set(owners.flatMap((o) => o.sections));
  for (const key of Object.keys(raw)) {
    if (key === 'state_dir' || owned.has(key)) continue;
    const what = SPIN_ONLY[key];
    if (what) r.fail(key, `spin-ts does not support ${what} yet`, `Remove [${key}] from the runtime config; spin-ts would otherwise start without it.`);
  }
  r.checkKeys(raw, '', ['state_dir', ...owned]);
  const config: RuntimeConfig = { path: abs, baseDir, sections: {}, raw };
  for (const o of owners) config.sections[o.name] = o.read(r, raw, baseDir);
  const stateDir = r.optString(raw, 'state_dir', '');
  if (stateDir !== undefined) {
    if (stateDir.trim() === '') r.fail('state_dir', 'must not be empty', 'Give a directory, e.g. state_dir = ".spin".');
    config.stateDir = path.resolve(baseDir, stateDir);
  }
  return config;
}
