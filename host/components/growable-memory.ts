/**
 * Lets a reused instance keep the pages its memory grew while the guest still sees the
 * memory a fresh instance has. A memory cannot shrink, so a snapshot whose guest grew its
 * memory (every Rust request: its allocator starts with no heap) used to be thrown away.
 * Here the module's `memory.size` and `memory.grow` on its own memory become calls to two
 * functions appended to it, over a mutable global holding the size the guest has asked
 * for ("virtual pages"): growing within pages the memory already has only moves that
 * global. The global is restored with the others between requests (core-snapshot.ts), the
 * pages above it are zero-filled, so the next request's allocator grows into zeroed pages
 * exactly as on a fresh instance, without the memory growing again.
 *
 * A second global records the real size the functions last saw: a module sharing the
 * memory (an adapter importing it) that grows it directly claims every page up to the new
 * real size, so nothing is handed out twice. Only a module that defines exactly one
 * 32-bit, unshared memory is rewritten; anything else, or code wasm-code.ts cannot read,
 * leaves the module as it was (its snapshot is then discarded when it grows, as before).
 */
import { KIND, leb, SECTION } from './wasm-binary.js';
import { bodies, Cursor, eachInstruction, UnknownCode } from './wasm-code.js';

/** Exported by a rewritten module: the global holding memory 0's virtual size in pages. */
export const VIRTUAL_PAGES_EXPORT = 'spin-ts:memory-pages:0';
/** Exported by a rewritten module: the global holding the real size its functions last saw. */
export const SEEN_PAGES_EXPORT = 'spin-ts:memory-seen:0';

const OP = { memorySize: 0x3f, memoryGrow: 0x40, call: 0x10 } as const;

/** Signed LEB128 of a non-negative i32 (i32.const immediates). */
function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = value & 0x7f;
    value >>= 7;
    if (value === 0 && (b & 0x40) === 0) return [...out, b];
    out.push(b | 0x80);
  }
}

const name = (s: string) => {
  const bytes = [...Buffer.from(s, 'utf8')];
  return [...leb(bytes.length), ...bytes];
};

interface Section {
  id: number;
  /** Where the section (its id byte) starts and its content starts and ends. */
  start: number;
  content: number;
  end: number;
}

function sections(wasm: Uint8Array): Section[] {
  const out: Section[] = [];
  let pos = 8;
  while (pos < wasm.length) {
    const c = new Cursor(wasm, pos + 1);
    const size = c.leb();
    out.push({ id: wasm[pos], start: pos, content: c.pos, end: c.pos + size });
    pos = c.pos + size;
  }
  return out;
}

/** A vector section's entry count and the bytes of its entries. */
function entries(wasm: Uint8Array, s: Section | undefined): { count: number; bytes: Uint8Array } {
  if (!s) return { count: 0, bytes: new Uint8Array() };
  const c = new Cursor(wasm, s.content);
  const count = c.leb();
  return { count, bytes: wasm.subarray(c.pos, s.end) };
}

function appended(wasm: Uint8Array, s: Section | undefined, added: number[][]): Uint8Array {
  const { count, bytes } = entries(wasm, s);
  const head = leb(count + added.length);
  const out = new Uint8Array(head.length + bytes.length + added.reduce((n, a) => n + a.length, 0));
  out.set(head, 0);
  out.set(bytes, head.length);
  let at = head.length + bytes.length;
  for (const a of added) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** Counts what the import section brings in, by kind. */
function importCounts(wasm: Uint8Array, s: Section | undefined): { funcs: number; globals: number; memories: number } {
  const counts = { funcs: 0, globals: 0, memories: 0 };
  if (!s) return counts;
  const c = new Cursor(wasm, s.content);
  for (let n = c.leb(); n > 0; n--) {
    c.skip(c.leb());
    c.skip(c.leb());
    const kind = c.byte();
    if (kind === KIND.func) {
      c.leb();
      counts.funcs++;
    } else if (kind === KIND.table) {
      c.valType();
      const flags = c.byte();
      c.leb();
      if (flags & 1) c.leb();
    } else if (kind === KIND.memory) {
      const flags = c.byte();
      c.leb();
      if (flags & 1) c.leb();
      counts.memories++;
    } else if (kind === KIND.global) {
      c.valType();
      c.byte();
      counts.globals++;
    } else if (kind === KIND.tag) {
      c.byte();
      c.leb();
    } else throw new UnknownCode(`unknown import kind ${kind}`);
  }
  return counts;
}

/** Type count, when every entry is a plain function type (no GC rec groups). */
function plainTypeCount(wasm: Uint8Array, s: Section): number {
  const c = new Cursor(wasm, s.content);
  const count = c.leb();
  for (let i = 0; i < count; i++) {
    if (c.byte() !== 0x60) throw new UnknownCode('type section has GC types');
    for (let n = c.leb(); n > 0; n--) c.valType();
    for (let n = c.leb(); n > 0; n--) c.valType();
  }
  return count;
}

/** The initial pages of the module's single defined memory. */
function memoryMinimum(wasm: Uint8Array, s: Section): number {
  const c = new Cursor(wasm, s.content);
  if (c.leb() !== 1) throw new UnknownCode('more than one memory');
  const flags = c.byte();
  if (flags & ~0x01) throw new UnknownCode('shared or 64-bit memory');
  return c.leb();
}

/** `memory.size`/`memory.grow` on the virtual size, then the real size as last seen. */
function helperBodies(virtualPages: number, seenPages: number): { size: number[]; grow: number[] } {
  const G = leb(virtualPages);
  const S = leb(seenPages);
  // When the real size moved without us (another module grew the shared memory), all of it is taken.
  const sync = [0x3f, 0x00, 0x23, ...S, 0x47, 0x04, 0x40, 0x3f, 0x00, 0x24, ...G, 0x3f, 0x00, 0x24, ...S, 0x0b];
  const size = [0x00, ...sync, 0x23, ...G, 0x0b];
  const fail = [0x04, 0x40, 0x41, 0x7f, 0x0f, 0x0b]; // if: return -1
  const grow = [
    ...[0x01, 0x01, 0x7f], // one i32 local: the old virtual size
    ...sync,
    ...[0x23, ...G, 0x21, 0x01],
    // n > 65536 - old: beyond 4 GiB
    ...[0x20, 0x00, 0x41, ...sleb(65536), 0x20, 0x01, 0x6b, 0x4b, ...fail],
    // old + n > real pages: grow the real memory by the difference
    ...[0x20, 0x01, 0x20, 0x00, 0x6a, 0x3f, 0x00, 0x4b, 0x04, 0x40],
    ...[0x20, 0x01, 0x20, 0x00, 0x6a, 0x3f, 0x00, 0x6b, 0x40, 0x00, 0x41, 0x7f, 0x46, ...fail],
    0x0b,
    ...[0x20, 0x01, 0x20, 0x00, 0x6a, 0x24, ...G],
    ...[0x3f, 0x00, 0x24, ...S],
    ...[0x20, 0x01, 0x0b],
  ];
  return { size: [...leb(size.length), ...size], grow: [...leb(grow.length), ...grow] };
}

/** The code section with memory.size/grow on memory 0 replaced by calls, and the helpers appended. */
function rewriteCode(wasm: Uint8Array, s: Section, sizeFn: number, growFn: number, helpers: { size: number[]; grow: number[] }): Uint8Array | undefined {
  const parts: Uint8Array[] = [];
  const all = bodies(wasm, s.content, s.end);
  let replaced = 0;
  for (const body of all) {
    const pieces: Uint8Array[] = [wasm.subarray(body.start, body.code)];
    let from = body.code;
    eachInstruction(wasm, body, (i) => {
      if (i.op !== OP.memorySize && i.op !== OP.memoryGrow) return;
      if (i.end - i.start !== 2 || wasm[i.start + 1] !== 0) throw new UnknownCode('memory.size/grow on another memory');
      pieces.push(wasm.subarray(from, i.start), Uint8Array.from([OP.call, ...leb(i.op === OP.memorySize ? sizeFn : growFn)]));
      from = i.end;
      replaced++;
    });
    pieces.push(wasm.subarray(from, body.end));
    const length = pieces.reduce((n, p) => n + p.length, 0);
    parts.push(Uint8Array.from(leb(length)), ...pieces);
  }
  if (replaced === 0) return undefined;
  parts.unshift(Uint8Array.from(leb(all.length + 2)));
  parts.push(Uint8Array.from(helpers.size), Uint8Array.from(helpers.grow));
  return Buffer.concat(parts);
}

/** Returns `wasm` with its memory's size virtualised as described above, or `wasm` itself when it does not apply. */
export function growableMemory(wasm: Uint8Array): Uint8Array {
  try {
    return rewrite(wasm) ?? wasm;
  } catch (err) {
    if (err instanceof UnknownCode) return wasm;
    throw err;
  }
}

function rewrite(wasm: Uint8Array): Uint8Array | undefined {
  const list = sections(wasm);
  const find = (id: number) => list.find((s) => s.id === id);
  const [types, imports, functions, memory, globals, exportsSection, code] = [
    find(SECTION.type),
    find(SECTION.import),
    find(SECTION.function),
    find(SECTION.memory),
    find(SECTION.global),
    find(SECTION.export),
    find(SECTION.code),
  ];
  if (!types || !functions || !memory || !globals || !exportsSection || !code) return undefined;
  const imported = importCounts(wasm, imports);
  if (imported.memories > 0) return undefined;
  const initialPages = memoryMinimum(wasm, memory);
  const typeCount = plainTypeCount(wasm, types);
  const funcCount = imported.funcs + entries(wasm, functions).count;
  const virtualPages = imported.globals + entries(wasm, globals).count;
  const seenPages = virtualPages + 1;
  const [growType, sizeType] = [typeCount, typeCount + 1];
  const [sizeFn, growFn] = [funcCount, funcCount + 1];
  const newCode = rewriteCode(wasm, code, sizeFn, growFn, helperBodies(virtualPages, seenPages));
  if (!newCode) return undefined;
  const global = [0x7f, 0x01, 0x41, ...sleb(initialPages), 0x0b];
  const replaced = new Map<number, Uint8Array>([
    [
      SECTION.type,
      appended(wasm, types, [
        [0x60, 1, 0x7f, 1, 0x7f],
        [0x60, 0, 1, 0x7f],
      ]),
    ],
    [SECTION.function, appended(wasm, functions, [leb(sizeType), leb(growType)])],
    [SECTION.global, appended(wasm, globals, [global, global])],
    [
      SECTION.export,
      appended(wasm, exportsSection, [
        [...name(VIRTUAL_PAGES_EXPORT), KIND.global, ...leb(virtualPages)],
        [...name(SEEN_PAGES_EXPORT), KIND.global, ...leb(seenPages)],
      ]),
    ],
    [SECTION.code, newCode],
  ]);
  const parts: Uint8Array[] = [wasm.subarray(0, 8)];
  for (const s of list) {
    const content = replaced.get(s.id);
    if (content && s.id !== 0) parts.push(Uint8Array.from([s.id, ...leb(content.length)]), content);
    else parts.push(wasm.subarray(s.start, s.end));
  }
  return Buffer.concat(parts);
}
