/**
 * Host paths a guest may touch only inside a root (docs/files.md). Every check resolves
 * symlinks at the moment of the call; opens check the descriptor they actually got (its
 * /proc/self/fd link), so a file swapped for a symlink between check and open is caught.
 */
import { closeSync, constants, existsSync, openSync, readlinkSync, realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { WasiResultError } from './io.js';

const fsError = (code: string) => new WasiResultError(code);

/** Linux names each open descriptor's real path under /proc/self/fd; elsewhere we re-resolve. */
const PROC_FD = existsSync('/proc/self/fd') ? '/proc/self/fd' : undefined;

export function isInside(real: string, root: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The real path of `path`; `no-entry` when it is missing, `not-permitted` when it leads outside `root`. */
export function realInside(path: string, root: string): string {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw fsError('no-entry');
  }
  if (!isInside(real, root)) throw fsError('not-permitted');
  return real;
}

/** Like realInside, but undefined instead of an error (for listings, which leave such entries out). */
export function realInsideOrUndefined(path: string, root: string): string | undefined {
  try {
    return realInside(path, root);
  } catch {
    return undefined;
  }
}

/**
 * Opens `path` read-only (never blocking on a FIFO) and proves that what was opened lies
 * inside `root`. Returns the descriptor; the caller closes it.
 */
export function openInside(path: string, root: string, directory = false): number {
  realInside(path, root);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (directory ? constants.O_DIRECTORY : 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fsError(code === 'ENOTDIR' ? 'not-directory' : code === 'EACCES' ? 'access' : 'no-entry');
  }
  try {
    const opened = PROC_FD ? readlinkSync(`${PROC_FD}/${fd}`) : realpathSync(path);
    if (!isInside(opened, root)) throw fsError('not-permitted');
  } catch (e) {
    closeSync(fd);
    throw e instanceof WasiResultError ? e : fsError('no-entry');
  }
  return fd;
}

/** A path naming the directory open at `fd` (for readdir), or undefined off Linux. */
export function fdPath(fd: number): string | undefined {
  return PROC_FD ? `${PROC_FD}/${fd}` : undefined;
}

/** Runs `use` on a descriptor opened with openInside and always closes it. */
export function withOpenInside<T>(path: string, root: string, use: (fd: number) => T, directory = false): T {
  const fd = openInside(path, root, directory);
  try {
    return use(fd);
  } finally {
    closeSync(fd);
  }
}
