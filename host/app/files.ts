/**
 * A component's `files` list → FileMount records.
 * Entries are a glob pattern relative to the manifest dir (each match is mounted
 * at the same relative path under "/"), or `{ source = "dir", destination = "/path" }`.
 *
 * The rule (docs/files.md): what an entry names must really lie inside the application
 * directory, symlinks resolved, or the app does not start; each mount's source is that
 * real path, which the guest filesystem then treats as the mount's root. Glob matches
 * reached through a symlink that leads out of the glob's directory are left out.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FileMount } from './types.js';
import { expandGlob, globBase, globToRegExp, hasGlobChars, isInside } from './glob.js';
import { describeValue, isTable, type FieldReader } from './toml-fields.js';
import { joinField } from './toml-locate.js';

export async function readFiles(r: FieldReader, value: unknown, field: string, baseDir: string, excludeFiles: string[]): Promise<FileMount[]> {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    r.fail(field, `must be a list, not ${describeValue(value)}`, 'Write it as files = ["static/**/*"] or files = [{ source = "assets", destination = "/" }].');
  }
  // Matched as Spin does: against each file's path relative to the application directory,
  // whichever entry mounts it (a mapped directory's files included), `*` crossing "/".
  const excludes = excludeFiles.map((p) => globToRegExp(toPosix(p), { crossSlash: true }));
  const appRoot = await realpath(baseDir);
  const mounts: FileMount[] = [];
  for (const [i, entry] of value.entries()) {
    const f = joinField(field, i);
    if (typeof entry === 'string') {
      mounts.push(...(await readPattern(r, entry, f, baseDir, appRoot, excludes)));
    } else if (isTable(entry)) {
      mounts.push(...(await readPlacement(r, entry, f, baseDir, appRoot, excludes)));
    } else {
      r.fail(
        f,
        `must be a string or a table, not ${describeValue(entry)}`,
        'Use a glob pattern like "static/**/*" or { source = "assets", destination = "/" }.',
      );
    }
  }
  return mounts;
}

function toPosix(p: string): string {
  return p.replaceAll('\\', '/').replace(/^(\.\/)+/, '');
}

/** The real path of an entry's source, refused unless it lies inside the application directory. */
async function realInsideApp(r: FieldReader, field: string, what: string, written: string, source: string, appRoot: string): Promise<string> {
  const real = await realpath(source).catch(() => undefined);
  if (real === undefined)
    r.fail(
      field,
      `${what} ${JSON.stringify(written)} does not exist (looked for ${source})`,
      'Create it, or fix the path (it is relative to the manifest directory).',
    );
  if (!isInside(real, appRoot)) {
    r.fail(
      field,
      `${what} ${JSON.stringify(written)} leads outside the application directory: it resolves to ${real}, which is not inside ${appRoot}`,
      'Copy the files into the application directory and name them there; a symlink must point inside it too (docs/files.md).',
    );
  }
  return real;
}

async function readPattern(r: FieldReader, written: string, field: string, baseDir: string, appRoot: string, excludes: RegExp[]): Promise<FileMount[]> {
  const pattern = toPosix(written);
  if (pattern === '' || path.isAbsolute(written) || pattern.split('/').includes('..')) {
    r.fail(
      field,
      `files pattern ${JSON.stringify(written)} must be a relative path inside the application directory`,
      'Write it relative to the manifest directory, without "..": files must lie inside the application directory (docs/files.md).',
    );
  }
  if (!hasGlobChars(pattern)) {
    const source = await realInsideApp(r, field, 'files source', written, path.resolve(baseDir, pattern), appRoot);
    const s = await stat(source);
    if (excludes.some((re) => re.test(pattern))) return [];
    const destination = `/${pattern.replace(/\/+$/, '')}`;
    if (s.isDirectory()) {
      const kept = await directoryLessExcluded(source, pattern.replace(/\/+$/, ''), destination, excludes);
      if (kept) return kept;
    }
    return [{ source, destination, isDirectory: s.isDirectory() }];
  }
  const base = globBase(pattern);
  if (base) {
    const s = await stat(path.resolve(baseDir, base)).catch(() => undefined);
    if (!s?.isDirectory()) {
      r.fail(
        field,
        `the directory ${JSON.stringify(base)} of files pattern ${JSON.stringify(written)} does not exist`,
        'Create it, or fix the pattern (it is relative to the manifest directory).',
      );
    }
  }
  // Matches must stay inside the glob's own directory: the entry names nothing beyond it.
  const globRoot = await realInsideApp(
    r,
    field,
    `the directory ${JSON.stringify(base || '.')} of files pattern`,
    written,
    path.resolve(baseDir, base),
    appRoot,
  );
  const matches = await expandGlob(baseDir, pattern, globRoot);
  return matches.filter((m) => !excludes.some((re) => re.test(m.rel))).map((m) => ({ source: m.real, destination: `/${m.rel}`, isDirectory: false }));
}

/**
 * A mounted directory's files, each as its own mount under `destination`, less those
 * `exclude_files` names by their path in the application directory (`appRel` is the
 * directory's); undefined when it names none of them, so the directory is mounted whole.
 * Like Spin's copy at start, the list is taken at start and empty directories are left out.
 */
async function directoryLessExcluded(realDir: string, appRel: string, destination: string, excludes: RegExp[]): Promise<FileMount[] | undefined> {
  if (excludes.length === 0) return undefined;
  const files = await expandGlob(realDir, '**', realDir);
  const inApp = (rel: string) => (appRel && appRel !== '.' ? `${appRel}/${rel}` : rel);
  const kept = files.filter((m) => !excludes.some((re) => re.test(inApp(m.rel))));
  if (kept.length === files.length) return undefined;
  const under = destination === '/' ? '' : destination;
  return kept.map((m) => ({ source: m.real, destination: `${under}/${m.rel}`, isDirectory: false }));
}

async function readPlacement(
  r: FieldReader,
  t: Record<string, unknown>,
  field: string,
  baseDir: string,
  appRoot: string,
  excludes: RegExp[],
): Promise<FileMount[]> {
  r.checkKeys(t, field, ['source', 'destination']);
  const sourceWritten = r.reqString(t, 'source', field, 'Add source = "<directory>" (relative to the manifest directory).');
  const destination = r.reqString(t, 'destination', field, 'Add destination = "/<guest path>".');
  if (!destination.startsWith('/')) {
    r.fail(
      joinField(field, 'destination'),
      `destination ${JSON.stringify(destination)} must be an absolute guest path`,
      `Start it with "/", e.g. "/${destination}".`,
    );
  }
  const source = await realInsideApp(r, joinField(field, 'source'), 'files source', sourceWritten, path.resolve(baseDir, sourceWritten), appRoot);
  const s = await stat(source);
  const dest = destination.length > 1 ? destination.replace(/\/+$/, '') : destination;
  if (s.isDirectory()) {
    // The source's path as written, relative to the application directory: what Spin matches.
    const appRel = toPosix(path.relative(baseDir, path.resolve(baseDir, sourceWritten)));
    const kept = await directoryLessExcluded(source, appRel, dest, excludes);
    if (kept) return kept;
  }
  return [{ source, destination: dest, isDirectory: s.isDirectory() }];
}
