/**
 * Where a model name's GGUF file is (docs/spec.md §2), and the optional sha256 check before load.
 *
 * Lookup order for a name:
 *  1. the runtime config's model table (`path`, or `source`: a URL whose file is kept in
 *     `<stateDir>/ai-models/<name>/`, download.ts);
 *  2. the single `.gguf` file in `<stateDir>/ai-models/llama/<name>/`;
 *  3. the single `.gguf` file in `<stateDir>/ai-models/<name>/`;
 *  4. `<stateDir>/ai-models/llama/<name>.gguf`.
 * No match → undefined (the engine answers model-not-supported).
 */

import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { LlmError } from '../engine.js';
import type { ModelDefaults } from '../params.js';
import { downloadPath } from './download.js';
import { sha256File } from './sha256-file.js';

export type ModelKind = 'completion' | 'embedding';

/** One `[llm_models.<name>]` entry of the runtime config (paths already absolute). */
export interface ModelTableEntry {
  path?: string;
  /** An http(s) URL to download the file from (then `path` is absent). */
  sourceUrl?: string;
  sha256?: string;
  systemPrompt?: string;
  chatTemplate?: string;
  contextSize?: number;
  kind: ModelKind;
  gpuLayers?: number;
  /** Prompt prefixes cached for this model (0: none); default: the engine's. */
  promptCache?: number;
  defaults?: ModelDefaults;
}

export type ModelTable = Record<string, ModelTableEntry>;

export interface RegistryOptions {
  modelTable: ModelTable;
  stateDir: string;
}

export interface ResolvedModel {
  name: string;
  path: string;
  /** Declared in the model table, else guessed from the GGUF architecture (undefined until known). */
  kind?: ModelKind;
  sha256?: string;
  chatTemplate?: string;
  contextSize?: number;
  gpuLayers?: number;
  systemPrompt?: string;
  promptCache?: number;
  /** Sampling defaults for the fields a call does not choose. */
  defaults?: ModelDefaults;
  source: 'model-table' | 'state-dir';
  /** Set when `path` is to be downloaded from this URL first. */
  downloadUrl?: string;
}

/** A name usable as a path component: no separators, no "." or "..", no NUL. */
export function isSafeModelName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && !/[/\\\0]/.test(name) && name !== '.' && name !== '..';
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** The single .gguf file in `dir`; undefined when the dir is missing or has none; an error when it has several. */
async function singleGguf(dir: string): Promise<string | undefined> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return undefined;
  const files = entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.toLowerCase().endsWith('.gguf'))
    .map((e) => e.name)
    .sort();
  if (files.length === 0) return undefined;
  if (files.length > 1) {
    throw new LlmError(
      'runtime-error',
      `model directory ${dir} holds ${files.length} .gguf files (${files.join(', ')}). Fix: keep one there, or name the file with path in an [llm_models.<name>] entry of the runtime config`,
    );
  }
  return join(dir, files[0]!);
}

export async function resolveModel(name: string, opts: RegistryOptions): Promise<ResolvedModel | undefined> {
  const entry = Object.prototype.hasOwnProperty.call(opts.modelTable, name) ? opts.modelTable[name] : undefined;
  if (entry) {
    const file = entry.sourceUrl !== undefined ? downloadPath(opts.stateDir, name, entry.sourceUrl) : entry.path;
    if (file === undefined) throw new LlmError('runtime-error', `model '${name}' has neither path nor source in the model table`);
    return {
      name,
      path: resolve(file),
      kind: entry.kind,
      source: 'model-table',
      ...(entry.sourceUrl !== undefined ? { downloadUrl: entry.sourceUrl } : {}),
      ...(entry.systemPrompt !== undefined ? { systemPrompt: entry.systemPrompt } : {}),
      ...(entry.sha256 !== undefined ? { sha256: entry.sha256.toLowerCase() } : {}),
      ...(entry.chatTemplate !== undefined ? { chatTemplate: entry.chatTemplate } : {}),
      ...(entry.contextSize !== undefined ? { contextSize: entry.contextSize } : {}),
      ...(entry.gpuLayers !== undefined ? { gpuLayers: entry.gpuLayers } : {}),
      ...(entry.promptCache !== undefined ? { promptCache: entry.promptCache } : {}),
      ...(entry.defaults !== undefined ? { defaults: entry.defaults } : {}),
    };
  }
  if (!isSafeModelName(name)) return undefined;
  const models = resolve(opts.stateDir, 'ai-models');
  const found =
    (await singleGguf(join(models, 'llama', name))) ??
    (await singleGguf(join(models, name))) ??
    ((await isFile(join(models, 'llama', `${name}.gguf`))) ? join(models, 'llama', `${name}.gguf`) : undefined);
  return found ? { name, path: found, source: 'state-dir' } : undefined;
}

/** Every model the table names plus every one found under `<stateDir>/ai-models` (table entries win). */
export async function discoverModels(opts: RegistryOptions): Promise<ResolvedModel[]> {
  const out = new Map<string, ResolvedModel>();
  for (const name of Object.keys(opts.modelTable)) {
    const r = await resolveModel(name, opts);
    if (r) out.set(name, r);
  }
  const models = resolve(opts.stateDir, 'ai-models');
  const candidates = new Set<string>();
  for (const dir of [join(models, 'llama'), models]) {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.isDirectory() && !(dir === models && e.name === 'llama')) candidates.add(e.name);
      else if (dir !== models && e.isFile() && e.name.toLowerCase().endsWith('.gguf')) candidates.add(basename(e.name, e.name.slice(-5)));
    }
  }
  for (const name of [...candidates].sort()) {
    if (out.has(name)) continue;
    const r = await resolveModel(name, opts).catch(() => undefined);
    if (r) out.set(name, r);
  }
  return [...out.values()];
}

/** Throws LlmError('runtime-error') naming the file and both digests when the file's hash differs. */
export async function verifySha256(path: string, expected: string): Promise<void> {
  let actual: string;
  try {
    actual = await sha256File(path);
  } catch (err) {
    throw new LlmError('runtime-error', `cannot read model file ${path}: ${(err as Error).message}`);
  }
  if (actual !== expected.toLowerCase()) {
    throw new LlmError(
      'runtime-error',
      `sha256 mismatch for model file ${path}: expected ${expected.toLowerCase()}, got ${actual}; refusing to load it. ` +
        'Fix: replace the file with the one that has this digest, or correct sha256 in the model table of the runtime config',
    );
  }
}
