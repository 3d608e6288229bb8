/**
 * A small glob matcher for `files` patterns (Node 20 has no fs.glob):
 * `*` matches within one path segment, `**` any number of segments (also none),
 * `?` one character other than "/". Paths use "/" and are relative to a base dir.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

const MAX_DEPTH = 64;

export function hasGlobChars(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/** Compiles a glob pattern (with "/" separators) into an anchored RegExp. */
export function globToRegExp(pattern: string): RegExp {
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
      re += '[^/]*';
    } else if (ch === '?') {
      re += '[^/]';
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

/**
 * Files under `baseDir` whose relative path matches `pattern` (directories are
 * walked, not returned). Returns sorted "/"-separated relative paths.
 */
export async function expandGlob(baseDir: string, pattern: string): Promise<string[]> {
  const re = globToRegExp(pattern);
  const start = globBase(pattern);
  const out: string[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) return; // guards against symlink cycles
    const abs = path.join(baseDir, rel);
    let entries;
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const s = await stat(path.join(abs, entry.name)).catch(() => undefined);
        isDir = s?.isDirectory() ?? false;
        isFile = s?.isFile() ?? false;
      }
      if (isDir) await walk(childRel, depth + 1);
      else if (isFile && re.test(childRel)) out.push(childRel);
    }
  };
  await walk(start, 0);
  return out.sort();
}
