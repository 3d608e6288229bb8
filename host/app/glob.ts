/**
 * A small glob matcher for `files` patterns (Node 20 has no fs.glob):
 * `*` matches within one path segment, `**` any number of segments (also none),
 * `?` one character other than "/". Paths use "/" and are relative to a base dir.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

const MAX_DEPTH = 64;

export function hasGlobChars(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

export interface GlobOptions {
  /**
   * `*` and `?` also match "/": how Spin matches `exclude_files` (Rust's glob
   * `Pattern::matches_path`, whose default options need no literal separator).
   */
  crossSlash?: boolean;
}

/** Compiles a glob pattern (with "/" separators) into an anchored RegExp. */
export function globToRegExp(pattern: string, opts: GlobOptions = {}): RegExp {
  const star = opts.crossSlash ? '.*' : '[^/]*';
  const one = opts.crossSlash ? '.' : '[^/]';
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        const atStart = i === 0 || pattern[i - 1] === '/';
        const atEnd = i + 2 === pattern.length || pattern[i + 2] === '/';
        if (atStart && atEnd) {
          if (pattern[i + 2] === '/') {
            re += '(?:[^/]*/)*'; // "**/": zero or more whole segments
            i += 2;
          } else {
            re += '.*'; // trailing "**": everything below
            i += 1;
          }
          continue;
        }
        i += 1; // "a**b" behaves like "a*b"
      }
      re += star;
    } else if (ch === '?') {
      re += one;
    } else {
      re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/** The leading part of the pattern that has no glob characters (a directory). */
export function globBase(pattern: string): string {
  const parts = pattern.split('/');
  const fixed: string[] = [];
  for (const part of parts.slice(0, -1)) {
    if (hasGlobChars(part)) break;
    fixed.push(part);
  }
  return fixed.join('/');
}

/** Whether the real path `real` is `root` or lies below it. */
export function isInside(real: string, root: string): boolean {
  return real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

export interface GlobMatch {
  /** "/"-separated path relative to the base dir, as the pattern matched it. */
  rel: string;
  /** The file's real path (every symlink resolved). */
  real: string;
}

/**
 * Files under `baseDir` whose relative path matches `pattern` (directories are walked,
 * not returned), sorted by `rel`. Only what really lies inside `root` (a real path) is
 * walked or matched: a symlink that leads elsewhere is left out, as are dangling ones.
 */
export async function expandGlob(baseDir: string, pattern: string, root: string): Promise<GlobMatch[]> {
  const re = globToRegExp(pattern);
  const start = globBase(pattern);
  const out: GlobMatch[] = [];
  // `realDir` is the real path of the directory at `rel`, so only symlinks need resolving;
  // `above` holds the real directories being walked, so a symlink back up is not followed.
  const above = new Set<string>();
  const walk = async (rel: string, realDir: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH || above.has(realDir)) return;
    let entries;
    try {
      entries = await readdir(realDir, { withFileTypes: true });
    } catch {
      return;
    }
    above.add(realDir);
    for (const entry of entries) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      let real = path.join(realDir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await realpath(real).catch(() => undefined);
        if (target === undefined || !isInside(target, root)) continue;
        const s = await stat(target).catch(() => undefined);
        real = target;
        isDir = s?.isDirectory() ?? false;
        isFile = s?.isFile() ?? false;
      }
      if (isDir) await walk(childRel, real, depth + 1);
      else if (isFile && re.test(childRel)) out.push({ rel: childRel, real });
    }
    above.delete(realDir);
  };
  const startReal = await realpath(path.join(baseDir, start)).catch(() => undefined);
  if (startReal !== undefined && isInside(startReal, root)) await walk(start, startReal, 0);
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}
