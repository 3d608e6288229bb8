/**
 * A component's `files` list → FileMount records.
 * Entries are a glob pattern relative to the manifest dir (each match is mounted
 * at the same relative path under "/"), or `{ source = "dir", destination = "/path" }`.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { FileMount } from './types.js';
import { expandGlob, globBase, globToRegExp, hasGlobChars } from './glob.js';
import { describeValue, isTable, type FieldReader } from './toml-fields.js';
import { joinField } from './toml-locate.js';

export async function readFiles(
  r: FieldReader,
  value: unknown,
  field: string,
  baseDir: string,
  excludeFiles: string[],
): Promise<FileMount[]> {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    r.fail(field, `must be a list, not ${describeValue(value)}`, 'Write it as files = ["static/**/*"] or files = [{ source = "assets", destination = "/" }].');
  }
  const excludes = excludeFiles.map((p) => globToRegExp(toPosix(p)));
  const mounts: FileMount[] = [];
  for (const [i, entry] of value.entries()) {
    const f = joinField(field, i);
    if (typeof entry === 'string') {
      mounts.push(...(await readPattern(r, entry, f, baseDir, excludes)));
    } else if (isTable(entry)) {
      mounts.push(await readPlacement(r, entry, f, baseDir));
    } else {
      r.fail(f, `must be a string or a table, not ${describeValue(entry)}`, 'Use a glob pattern like "static/**/*" or { source = "assets", destination = "/" }.');
    }
  }
  return mounts;
}

function toPosix(p: string): string {
  return p.replaceAll('\\', '/').replace(/^(\.\/)+/, '');
}

async function readPattern(r: FieldReader, written: string, field: string, baseDir: string, excludes: RegExp[]): Promise<FileMount[]> {
  const pattern = toPosix(written);
  if (pattern === '' || path.isAbsolute(written) || pattern.split('/').includes('..')) {
    r.fail(field, `files pattern ${JSON.stringify(written)} must be a relative path inside the application directory`, 'Use a path relative to the manifest directory, or { source = "...", destination = "/..." } to mount a directory elsewhere.');
  }
  if (!hasGlobChars(pattern)) {
    const source = path.resolve(baseDir, pattern);
    const s = await stat(source).catch(() => undefined);
    if (!s) r.fail(field, `files source ${JSON.stringify(written)} does not exist (looked for ${source})`, 'Create it, or fix the path (it is relative to the manifest directory).');
    if (excludes.some((re) => re.test(pattern))) return [];
    return [{ source, destination: `/${pattern.replace(/\/+$/, '')}`, isDirectory: s.isDirectory() }];
  }
  const base = globBase(pattern);
  if (base) {
    const s = await stat(path.resolve(baseDir, base)).catch(() => undefined);
    if (!s?.isDirectory()) {
      r.fail(field, `the directory ${JSON.stringify(base)} of files pattern ${JSON.stringify(written)} does not exist`, 'Create it, or fix the pattern (it is relative to the manifest directory).');
    }
  }
  const matches = await expandGlob(baseDir, pattern);
  return matches
    .filter((rel) => !excludes.some((re) => re.test(rel)))
    .map((rel) => ({ source: path.resolve(baseDir, rel), destination: `/${rel}`, isDirectory: false }));
}

async function readPlacement(r: FieldReader, t: Record<string, unknown>, field: string, baseDir: string): Promise<FileMount> {
  r.checkKeys(t, field, ['source', 'destination']);
  const sourceWritten = r.reqString(t, 'source', field, 'Add source = "<directory>" (relative to the manifest directory).');
  const destination = r.reqString(t, 'destination', field, 'Add destination = "/<guest path>".');
  if (!destination.startsWith('/')) {
    r.fail(joinField(field, 'destination'), `destination ${JSON.stringify(destination)} must be an absolute guest path`, `Start it with "/", e.g. "/${destination}".`);
  }
  const source = path.resolve(baseDir, sourceWritten);
  const s = await stat(source).catch(() => undefined);
  if (!s) r.fail(joinField(field, 'source'), `files source ${JSON.stringify(sourceWritten)} does not exist (looked for ${source})`, 'Create it, or fix the path (it is relative to the manifest directory).');
  const dest = destination.length > 1 ? destination.replace(/\/+$/, '') : destination;
  return { source, destination: dest, isDirectory: s.isDirectory() };
}
