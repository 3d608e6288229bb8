/**
 * One component table (v1 `[[component]]` entry, v2 `[component.<id>]` or an
 * inline trigger component) → the normalised Component.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { BuildSpec, Component, ComponentKeysOwner, TriggerOwner, VariableDecl } from './types.js';
import { readFiles } from './files.js';
import { describeValue, isTable, type FieldReader, type Table } from './toml-fields.js';
import { joinField } from './toml-locate.js';
import { readTemplates } from './variables.js';

export const COMPONENT_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export interface ComponentContext {
  r: FieldReader;
  baseDir: string;
  manifestVersion: 1 | 2;
  appVariables: Record<string, VariableDecl>;
  /** Whether `source` files must exist (false for `build`, which makes them). */
  checkSources: boolean;
  /** Whether `files` entries are resolved (false for `build`, whose commands may make them). */
  checkFiles: boolean;
  /** Keys owned by factors (ai_models, allowed_outbound_hosts, …), read by them. */
  owners: readonly ComponentKeysOwner[];
  /** Trigger types besides HTTP (redis, …), whose tables their triggers read. */
  triggerOwners: readonly TriggerOwner[];
}

const COMMON_KEYS = ['source', 'description', 'files', 'exclude_files', 'environment', 'build'] as const;
const V1_COMPONENT_KEYS: readonly string[] = ['id', ...COMMON_KEYS, 'config', 'trigger'];
const V2_COMPONENT_KEYS: readonly string[] = [...COMMON_KEYS, 'variables', 'tool'];

/** The keys a component table may hold: the loader's own and every owner's. */
export function componentKeys(manifestVersion: 1 | 2, owners: readonly ComponentKeysOwner[]): string[] {
  return [...(manifestVersion === 1 ? V1_COMPONENT_KEYS : V2_COMPONENT_KEYS), ...owners.flatMap((o) => o.keys)];
}

export function checkComponentId(r: FieldReader, id: string, field: string): void {
  if (!COMPONENT_ID.test(id)) {
    const suggestion = id
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^[^a-z]+|-+$/g, '');
    r.fail(
      field,
      `invalid component id "${id}": ids must be kebab-case`,
      `Use lowercase letters, digits and single "-" between words${suggestion ? `, e.g. "${suggestion}"` : ''}.`,
    );
  }
}

/**
 * Reads the component at `field`. Keys beyond the version's own (v1 `id`,
 * `trigger`) are the caller's business; they are only allowed here.
 */
export async function readComponent(ctx: ComponentContext, t: Table, field: string, id: string): Promise<Component> {
  const r: FieldReader = ctx.r;
  const baseDir = ctx.baseDir;
  r.checkKeys(t, field, componentKeys(ctx.manifestVersion, ctx.owners));
  const { source, sourceAsWritten } = await readSource(ctx, t, field);
  const description = r.optString(t, 'description', field);
  const excludeFiles = r.stringList(t, 'exclude_files', field);
  const factors: Record<string, unknown> = {};
  const readCtx = { baseDir, manifestVersion: ctx.manifestVersion, appVariables: ctx.appVariables };
  for (const owner of ctx.owners) factors[owner.name] = owner.read(r, t, field, readCtx);
  const variablesKey = ctx.manifestVersion === 1 ? 'config' : 'variables';
  if (t['tool'] !== undefined) r.asTable(t['tool'], joinField(field, 'tool'));
  const component: Component = {
    id,
    source,
    sourceAsWritten,
    factors,
    environment: r.stringMap(t, 'environment', field),
    files: ctx.checkFiles ? await readFiles(r, t['files'], joinField(field, 'files'), baseDir, excludeFiles) : [],
    excludeFiles,
    variables: readTemplates(r, t, variablesKey, field, ctx.appVariables),
  };
  if (description !== undefined) component.description = description;
  const build = readBuild(r, t, field, baseDir);
  if (build) component.build = build;
  return component;
}

async function readSource(ctx: ComponentContext, t: Table, field: string): Promise<{ source: string; sourceAsWritten: string }> {
  const r: FieldReader = ctx.r;
  const f = joinField(field, 'source');
  const v = t['source'];
  if (v === undefined) r.fail(f, 'missing required key "source"', 'Add source = "<path to the component .wasm>".');
  if (isTable(v)) {
    r.checkKeys(v, f, ['url', 'digest']);
    const url = r.reqString(v, 'url', f, 'Add url = "https://..." or use a local path: source = "app.wasm".');
    const digest = r.reqString(v, 'digest', f, 'Add digest = "sha256:<64 hex digits>".');
    if (!/^sha256:[0-9a-fA-F]{64}$/.test(digest)) {
      r.fail(
        joinField(f, 'digest'),
        `bad digest "${digest}": expected "sha256:" followed by 64 hex digits`,
        'Compute it with `sha256sum <file>` and write digest = "sha256:<hex>".',
      );
    }
    r.fail(
      f,
      `remote sources are not supported (url ${url})`,
      'Download the file, check its digest, and point source at the local path, e.g. source = "component.wasm".',
    );
  }
  if (typeof v !== 'string') {
    r.fail(f, `must be a path string or { url, digest }, not ${describeValue(v)}`, 'Write it as source = "app.wasm".');
  }
  const source = path.resolve(ctx.baseDir, v);
  if (ctx.checkSources) {
    const s = await stat(source).catch(() => undefined);
    if (!s) {
      r.fail(
        f,
        `source file "${v}" not found (looked for ${source})`,
        'Build the component first (run `spin-ts build`), or fix the path (it is relative to the manifest directory).',
      );
    }
    if (!s.isFile()) r.fail(f, `source "${v}" is not a file (${source})`, "Point source at the component's .wasm file.");
  }
  return { source, sourceAsWritten: v };
}

function readBuild(r: FieldReader, t: Table, field: string, baseDir: string): BuildSpec | undefined {
  const b = r.optTable(t, 'build', field);
  if (!b) return undefined;
  const f = joinField(field, 'build');
  r.checkKeys(b, f, ['command', 'workdir', 'watch']);
  const cmd = b['command'];
  let command: string[];
  if (cmd === undefined) r.fail(joinField(f, 'command'), 'missing required key "command"', 'Add command = "<build command>" to the build table.');
  if (typeof cmd === 'string') command = [cmd];
  else command = r.stringList(b, 'command', f);
  if (command.length === 0 || command.some((c) => c.trim() === '')) {
    r.fail(joinField(f, 'command'), 'must not be empty', 'Give the command to run, e.g. command = "cargo build --target wasm32-wasip1 --release".');
  }
  const workdir = r.optString(b, 'workdir', f);
  return {
    command,
    workdir: workdir === undefined ? baseDir : path.resolve(baseDir, workdir),
    watch: r.stringList(b, 'watch', f),
  };
}
