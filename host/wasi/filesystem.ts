/**
 * wasi:filesystem — ours, read-only. A component sees exactly the files its manifest
 * `files` entries mount, under one preopen "/", and nothing else of the host. Ours rather
 * than preview2-shim's because its preopens are process-global (we need one set per
 * component) and its streams would fail jco's `instanceof` checks against our io classes.
 */
import { closeSync, openSync, readdirSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { BufferSource, InputStream, WasiResultError } from './io.js';

export interface MountSpec {
  source: string;
  destination: string;
  isDirectory: boolean;
}

type Node = { kind: 'host'; path: string } | { kind: 'virtual'; children: Map<string, Node> };

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

/** Builds the virtual tree that the "/" preopen shows. */
export function buildTree(mounts: MountSpec[]): Node {
  const root: Node = { kind: 'virtual', children: new Map() };
  for (const m of mounts) {
    const parts = m.destination.split('/').filter(Boolean);
    if (parts.length === 0) {
      // A directory mounted at "/" itself: its entries become the root's children.
      if (m.isDirectory) for (const name of readdirSync(m.source)) root.children.set(name, { kind: 'host', path: join(m.source, name) });
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
    node.children.set(parts[parts.length - 1], { kind: 'host', path: m.source });
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

export class Descriptor {
  /** `root` is the real directory a host node may not escape (symlinks included). */
  constructor(private readonly node: Node, private readonly root?: string) {}

  private stats(): Stats | undefined {
    if (this.node.kind !== 'host') return undefined;
    try {
      return statSync(this.node.path);
    } catch {
      throw fsError('no-entry');
    }
  }

  private resolve(path: string): Descriptor {
    if (path.startsWith('/')) throw fsError('not-permitted');
    let node: Node = this.node;
    let root = this.root;
    for (const part of path.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') throw fsError('not-permitted');
      if (node.kind === 'virtual') {
        const child = node.children.get(part);
        if (!child) throw fsError('no-entry');
        node = child;
        if (child.kind === 'host') {
          // Entering a mount: everything below must stay inside its real location.
          try {
            root = realpathSync(child.path);
          } catch {
            throw fsError('no-entry');
          }
        }
      } else {
        node = { kind: 'host', path: join(node.path, part) };
      }
    }
    if (node.kind === 'host') {
      let real: string;
      try {
        real = realpathSync(node.path);
      } catch {
        throw fsError('no-entry');
      }
      if (root === undefined) root = real;
      else if (real !== root && !real.startsWith(root + sep)) throw fsError('not-permitted');
    }
    return new Descriptor(node, root);
  }

  getType(): string {
    return this.node.kind === 'virtual' ? 'directory' : hostType(this.stats()!);
  }
  getFlags() {
    return { read: true };
  }
  stat() {
    const st = this.stats();
    if (!st) return { type: 'directory', linkCount: 1n, size: 0n, dataAccessTimestamp: undefined, dataModificationTimestamp: undefined, statusChangeTimestamp: undefined };
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
    if (this.node.kind !== 'host') throw fsError('is-directory');
    const st = this.stats()!;
    if (st.isDirectory()) throw fsError('is-directory');
    const want = Math.max(0, Math.min(Number(length), st.size - Number(offset)));
    const buf = new Uint8Array(want);
    if (want > 0) {
      const fd = openSync(this.node.path, 'r');
      try {
        readSync(fd, buf, 0, want, Number(offset));
      } finally {
        closeSync(fd);
      }
    }
    return [buf, Number(offset) + want >= st.size];
  }
  readViaStream(offset: bigint): InputStream {
    const st = this.stats();
    if (!st || st.isDirectory()) throw fsError('is-directory');
    const [bytes] = this.read(BigInt(st.size), offset);
    return new InputStream(new BufferSource(bytes));
  }
  readDirectory(): DirectoryEntryStream {
    if (this.node.kind === 'virtual') {
      return new DirectoryEntryStream(
        [...this.node.children.entries()].map(([name, child]) => ({ name, type: new Descriptor(child).getType() })),
      );
    }
    if (!this.stats()!.isDirectory()) throw fsError('not-directory');
    const host = this.node.path;
    return new DirectoryEntryStream(
      readdirSync(host, { withFileTypes: true }).map((e) => ({
        name: e.name,
        type: e.isDirectory() ? 'directory' : e.isFile() ? 'regular-file' : e.isSymbolicLink() ? 'symbolic-link' : 'unknown',
      })),
    );
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
