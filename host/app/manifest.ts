/**
 * Loads spin.toml (v1 or v2) into the App model.
 * Entry point for everything that needs the application: `up`, `build`, tests.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { App, ComponentKeysOwner, TriggerOwner } from './types.js';
import { displayPath, ManifestError } from './errors.js';
import { readV1 } from './manifest-v1.js';
import { readV2 } from './manifest-v2.js';
import { describeValue, FieldReader, parseToml, type Table } from './toml-fields.js';

export interface LoadAppOptions {
  /**
   * Require every component `source` file to exist (default true). `build`
   * passes false: it loads the manifest to make those files.
   */
  checkSources?: boolean;
  /**
   * Resolve every `files` entry, which must then exist (default true). `build` passes false:
   * its commands may make them (a `site/dist` the build writes); it checks them afterwards.
   * When false, components have no `files` mounts.
   */
  checkFiles?: boolean;
  /** Component keys owned by factors (host/factors/index.ts lists them); their readers run at load. */
  owners?: readonly ComponentKeysOwner[];
  /** Trigger types besides HTTP, each reading its own tables (host/triggers/index.ts lists them). */
  triggerOwners?: readonly TriggerOwner[];
}

/** Loads a manifest file, `<dir>/spin.toml` when given a directory, or a lone `.wasm` as a one-component app (as `spin up -f app.wasm`). */
export async function loadApp(manifestPathOrDir: string, options: LoadAppOptions = {}): Promise<App> {
  const manifestPath = await resolveManifestPath(manifestPathOrDir);
  const file = displayPath(manifestPath);
  const wasm = /\.(wasm|wat)$/i.test(manifestPath);
  const text = wasm ? singleComponentManifest(manifestPath) : await readText(manifestPath, file);
  const root = parseToml(file, text);
  const r = new FieldReader(file, text);
  // Spin runs a lone Wasm file with the working directory as the app's directory.
  const baseDir = wasm ? process.cwd() : path.dirname(manifestPath);
  const ctx = {
    r,
    baseDir,
    checkSources: options.checkSources ?? true,
    checkFiles: options.checkFiles ?? true,
    owners: options.owners ?? [],
    triggerOwners: options.triggerOwners ?? [],
  };
  const manifestVersion = detectVersion(r, root);
  const parts = manifestVersion === 1 ? await readV1(ctx, root) : await readV2(ctx, root);
  return { manifestPath, baseDir, manifestVersion, ...parts };
}

/**
 * What `spin up -f app.wasm` runs: one HTTP component serving every path, the app named
 * after the file (Spin's loader makes the same manifest, with an inline component).
 */
function singleComponentManifest(wasmPath: string): string {
  const stem = path.basename(wasmPath).replace(/\.(wasm|wat)$/i, '');
  const id =
    stem
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'wasm-file';
  return [
    'spin_manifest_version = 2',
    '[application]',
    `name = ${JSON.stringify(stem || 'wasm-file')}`,
    '[[trigger.http]]',
    'route = "/..."',
    `component = ${JSON.stringify(/^[a-z]/.test(id) ? id : `c-${id}`)}`,
    `[component.${JSON.stringify(/^[a-z]/.test(id) ? id : `c-${id}`)}]`,
    `source = ${JSON.stringify(wasmPath)}`,
    '',
  ].join('\n');
}

/** Spin's rule of thumb for an -f value that is no file: an explicit tag or digest makes it a registry reference. */
export function looksLikeRegistryReference(given: string): boolean {
  if (/\.(toml|wasm|wat)$/i.test(given) || given.startsWith('.') || given.startsWith('/')) return false;
  return /^[a-z0-9][a-z0-9._-]*(:\d+)?(\/[a-z0-9._-]+)*(:[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64})$/i.test(given);
}

async function resolveManifestPath(given: string): Promise<string> {
  const abs = path.resolve(given);
  const s = await stat(abs).catch(() => undefined);
  const candidate = s?.isDirectory() ? path.join(abs, 'spin.toml') : abs;
  const found = s?.isDirectory() ? await stat(candidate).catch(() => undefined) : s;
  if (!found && !s && looksLikeRegistryReference(given)) {
    throw new ManifestError({
      file: given,
      field: '',
      problem: 'looks like a registry reference: registry apps are not supported by spin-ts',
      fix: 'Pull the app to a local directory and pass its spin.toml with -f <path>.',
    });
  }
  if (!found) {
    throw new ManifestError({
      file: displayPath(candidate),
      field: '',
      problem: 'manifest file not found',
      fix: 'Run in the directory that holds spin.toml, or pass the manifest with -f <path>.',
    });
  }
  if (found.isDirectory()) {
    throw new ManifestError({
      file: displayPath(candidate),
      field: '',
      problem: 'is a directory, not a manifest file',
      fix: 'Pass the manifest file with -f <path>/spin.toml.',
    });
  }
  return candidate;
}

async function readText(abs: string, file: string): Promise<string> {
  try {
    return await readFile(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new ManifestError({
      file,
      field: '',
      problem: `cannot read the manifest (${code})`,
      fix: 'Check the file permissions, or pass another manifest with -f <path>.',
    });
  }
}

function detectVersion(r: FieldReader, root: Table): 1 | 2 {
  const field = root['spin_manifest_version'] !== undefined || root['spin_version'] === undefined ? 'spin_manifest_version' : 'spin_version';
  const v = root[field];
  if (field === 'spin_manifest_version' && v === 2) return 2;
  if (v === '1') return 1;
  const shown = v === undefined ? '' : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : describeValue(v);
  let fix = 'Use spin_manifest_version = 2 (or "1" for the old format).';
  if (v === undefined) fix = 'Add spin_manifest_version = 2 at the top of the file.';
  else if (v === '2') fix = 'Write the version 2 as a number: spin_manifest_version = 2 (no quotes).';
  else if (v === 1) fix = 'Version 1 is written as a string: spin_manifest_version = "1".';
  r.fail(field, `invalid manifest version: "${shown}"${v === undefined ? ' (the key is missing)' : ''}`, fix);
}
