/**
 * wasi:filesystem — ours, read-only. A component sees exactly the files its manifest
 * `files` entries mount, under one preopen "/", and nothing else of the host. Ours rather
 * than preview2-shim's because its preopens are process-global (we need one set per
 * component) and its streams would fail jco's `instanceof` checks against our io classes.
 *
 * Confinement (docs/files.md): every host node carries its mount's root, the real path of
 * the entry's source as the manifest loader resolved it at start. Each open, stat, read and
 * listing resolves symlinks at that moment and refuses anything whose real path is not
 * inside that root; listings leave such entries out.
 */
import { fstatSync, readdirSync, readSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { join } from 'node:path';
import { fdPath, realInside, realInsideOrUndefined, withOpenInside } from './confine.js';
import { BufferSource, InputStream, WasiResultError } from './io.js';

export interface MountSpec {
  /** Absolute host path; the loader gives its real path, which is also the mount's root. */
  source: string;
  destination: string;
  isDirectory: boolean;
}

/** `root`: the real path nothing below this node may leave (the mount's source). */
type HostNode = { kind: 'host'; path: string; root: string };
type Node = HostNode | { kind: 'virtual'; children: Map<string, Node> };

const fsError = (code: string) => new WasiResultError(code);

function toDatetime(ms: number) {
  return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: Math.floor((ms % 1000) * 1e6) };
}

function hostType(st: Stats): string {
  if (st.isDirectory()) return 'directory';
  if (st.isFile()) return 'regular-file';
  if (st.isSymbolicLink()) return 'symbolic-link';
  return 'unknown';
}

/** The type a guest sees for a host node, or undefined when it is missing or leads outside its root. */
function visibleType(node: HostNode): string | undefined {
  const real = realInsideOrUndefined(node.path, node.root);
  if (real === undefined) return undefined;
  try {
    return hostType(statSync(real));
  } catch {
    return undefined;
  }
}

/** The loader hands over real paths; resolving again keeps a caller that did not from being locked out. */
function realRoot(source: string): string {
  try {
    return realpathSync(source);
  } catch {
    return source;
  }
}

/** Builds the virtual tree that the "/" preopen shows. */
export function buildTree(mounts: MountSpec[]): Node {
  const root: Node = { kind: 'virtual', children: new Map() };
  for (const m of mounts) {
    const mountRoot = realRoot(m.source);
    const parts = m.destination.split('/').filter(Boolean);
    if (parts.length === 0) {
      // A directory mounted at "/" itself: its entries become the root's children, each
      // still confined to the mounted directory (not to itself, or a top-level symlink
      // would become its own root).
      if (m.isDirectory) {
        for (const name of readdirSync(mountRoot)) root.children.set(name, { kind: 'host', path: join(mountRoot, name), root: mountRoot });
      }
      continue;
    }
    let node = root;
    for (const part of parts.slice(0, -1)) {
      let next = node.children.get(part);
      if (!next || next.kind !== 'virtual') {
        next = { kind: 'virtual', children: new Map() };
        node.children.set(part, next);
      }
      node = next;
    }
    node.children.set(parts[parts.length - 1]!, { kind: 'host', path: mountRoot, root: mountRoot });
  }
  return root;
}

export class DirectoryEntryStream {
  private i = 0;
  constructor(private readonly entries: Array<{ type: string; name: string }>) {}
  readDirectoryEntry(): { type: string; name: string } | undefined {
    return this.entries[this.i++];
  }
}

function direntType(e: Dirent): string {
  return e.isDirectory() ? 'directory' : e.isFile() ? 'regular-file' : 'unknown';
}

export class Descriptor {
  constructor(private readonly node: Node) {}

  /** Stats of what this host node is now, opened and proven inside its root. */
  private stats(): Stats | undefined {
    if (this.node.kind !== 'host') return undefined;
    return withOpenInside(this.node.path, this.node.root, (fd) => fstatSync(fd));
  }

  private resolve(path: string): Descriptor {
    if (path.startsWith('/')) throw fsError('not-permitted');
    let node: Node = this.node;
    for (const part of path.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') throw fsError('not-permitted');
      if (node.kind === 'virtual') {
        const child = node.children.get(part);
        if (!child) throw fsError('no-entry');
        node = child;
      } else {
        node = { kind: 'host', path: join(node.path, part), root: node.root };
      }
    }
    if (node.kind === 'host') realInside(node.path, node.root);
    return new Descriptor(node);
  }

  getType(): string {
    return this.node.kind === 'virtual' ? 'directory' : hostType(this.stats()!);
  }
  getFlags() {
    return { read: true };
  }
  stat() {
    const st = this.stats();
    if (!st)
      return {
        type: 'directory',
        linkCount: 1n,
        size: 0n,
        dataAccessTimestamp: undefined,
        dataModificationTimestamp: undefined,
        statusChangeTimestamp: undefined,
      };
    return {
      type: hostType(st),
      linkCount: BigInt(st.nlink),
      size: BigInt(st.size),
      dataAccessTimestamp: toDatetime(st.atimeMs),
      dataModificationTimestamp: toDatetime(st.mtimeMs),
      statusChangeTimestamp: toDatetime(st.ctimeMs),
    };
  }
  statAt(_flags: unknown, path: string) {
    return this.resolve(path).stat();
  }
  openAt(_pathFlags: unknown, path: string, openFlags: Record<string, boolean> = {}, flags: Record<string, boolean> = {}): Descriptor {
    if (openFlags.create || openFlags.truncate || openFlags.exclusive || flags.write || flags.mutateDirectory) throw fsError('read-only');
    const d = this.resolve(path);
    if (openFlags.directory && d.getType() !== 'directory') throw fsError('not-directory');
    return d;
  }
  read(length: bigint, offset: bigint): [Uint8Array, boolean] {
    const node = this.node;
    if (node.kind !== 'host') throw fsError('is-directory');
    // One descriptor for the size and the bytes: both come from the file proven inside the root.
    return withOpenInside(node.path, node.root, (fd) => {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw fsError('is-directory');
      const want = Math.max(0, Math.min(Number(length), st.size - Number(offset)));
      const buf = new Uint8Array(want);
      const got = want > 0 ? readSync(fd, buf, 0, want, Number(offset)) : 0;
      return [buf.subarray(0, got), Number(offset) + got >= st.size];
    });
  }
  readViaStream(offset: bigint): InputStream {
    const st = this.stats();
    if (!st || st.isDirectory()) throw fsError('is-directory');
    const [bytes] = this.read(BigInt(st.size), offset);
    return new InputStream(new BufferSource(bytes));
  }
  /** Entries the guest could open: a symlink is shown as what it leads to, or left out when that is outside the root. */
  readDirectory(): DirectoryEntryStream {
    const node = this.node;
    if (node.kind === 'virtual') {
      const entries: Array<{ type: string; name: string }> = [];
      for (const [name, child] of node.children) {
        const type = child.kind === 'virtual' ? 'directory' : visibleType(child);
        if (type) entries.push({ name, type });
      }
      return new DirectoryEntryStream(entries);
    }
    const entries = withOpenInside(
      node.path,
      node.root,
      (fd) => {
        const dir = fdPath(fd) ?? realInside(node.path, node.root);
        const out: Array<{ type: string; name: string }> = [];
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          const type = e.isSymbolicLink() ? visibleType({ kind: 'host', path: join(dir, e.name), root: node.root }) : direntType(e);
          if (type) out.push({ name: e.name, type });
        }
        return out;
      },
      true,
    );
    return new DirectoryEntryStream(entries);
  }
  isSameObject(other: Descriptor): boolean {
    return this.node === other.node || (this.node.kind === 'host' && other.node.kind === 'host' && this.node.path === other.node.path);
  }
  metadataHash() {
    const st = this.stats();
    return { lower: BigInt(st?.ino ?? 0), upper: BigInt(st?.dev ?? 0) };
  }
  metadataHashAt(_flags: unknown, path: string) {
    return this.resolve(path).metadataHash();
  }
  readlinkAt(): never {
    throw fsError('not-permitted');
  }
  advise(): void {}
  sync(): void {}
  syncData(): void {}
  // Everything that would change the host is refused: mounts are read-only.
  writeViaStream(): never {
    throw fsError('read-only');
  }
  appendViaStream(): never {
    throw fsError('read-only');
  }
  write(): never {
    throw fsError('read-only');
  }
  setSize(): never {
    throw fsError('read-only');
  }
  setTimes(): never {
    throw fsError('read-only');
  }
  setTimesAt(): never {
    throw fsError('read-only');
  }
  createDirectoryAt(): never {
    throw fsError('read-only');
  }
  linkAt(): never {
    throw fsError('read-only');
  }
  removeDirectoryAt(): never {
    throw fsError('read-only');
  }
  renameAt(): never {
    throw fsError('read-only');
  }
  symlinkAt(): never {
    throw fsError('read-only');
  }
  unlinkFileAt(): never {
    throw fsError('read-only');
  }
}

export function filesystemImports(mounts: MountSpec[]): Record<string, object> {
  const tree = mounts.length > 0 ? buildTree(mounts) : undefined;
  return {
    'wasi:filesystem/preopens': {
      getDirectories: (): Array<[Descriptor, string]> => (tree ? [[new Descriptor(tree), '/']] : []),
    },
    'wasi:filesystem/types': {
      Descriptor,
      DirectoryEntryStream,
      filesystemErrorCode: (): undefined => undefined,
    },
  };
}
