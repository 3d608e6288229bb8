/**
 * Makes a core module's state reachable from JS: exports each memory and each mutable
 * global it defines under reserved names, so a worker can snapshot that state after
 * instantiation and restore it between requests (core-snapshot.ts). The glue never
 * sees these names; nothing else changes. Ours for the same reason as memory-cap.ts.
 */
import { growableMemory } from './growable-memory.js';
import { markUnrestorable } from './restorable.js';

export const MEMORY_EXPORT_PREFIX = 'spin-ts:memory:';
export const GLOBAL_EXPORT_PREFIX = 'spin-ts:global:';

const SECTION = { import: 2, memory: 5, global: 6, export: 7 } as const;
/** Sections that must come after the export section (start, element, data count, code, data). */
const AFTER_EXPORT = new Set([8, 9, 10, 11, 12]);
const KIND = { func: 0, table: 1, memory: 2, global: 3, tag: 4 } as const;

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  byte(): number {
    if (this.pos >= this.bytes.length) throw new Error('truncated wasm binary');
    return this.bytes[this.pos++];
  }

  /** An unsigned or signed LEB128 of up to 64 bits; the value matters only for counts and indices. */
  leb(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return result;
    }
    throw new Error('malformed LEB128 in wasm binary');
  }

  skip(n: number): void {
    this.pos += n;
  }

  name(): void {
    this.skip(this.leb());
  }

  valType(): void {
    const t = this.byte();
    if (t === 0x63 || t === 0x64) this.leb(); // (ref null? heaptype)
  }

  limits(): void {
    const flags = this.byte();
    this.leb();
    if (flags & 0x01) this.leb();
  }

  /** A constant expression, up to and including its `end`. */
  constExpr(): void {
    for (;;) {
      const op = this.byte();
      if (op === 0x0b) return;
      if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2) this.leb();
      else if (op === 0x43) this.skip(4);
      else if (op === 0x44) this.skip(8);
      else if (op === 0xd0) this.leb();
      else if (op === 0xfd) {
        this.leb();
        this.skip(16);
      } else if (op === 0xfb) {
        // GC constant instructions: struct.new/array.new take type indices.
        const sub = this.leb();
        this.leb();
        if (sub === 6 || sub === 7 || sub === 8) this.leb();
      } else if (![0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e].includes(op)) throw new Error(`unexpected opcode 0x${op.toString(16)} in a constant expression`);
    }
  }
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) b |= 0x80;
    out.push(b);
  } while (value !== 0);
  return out;
}

function exportEntry(name: string, kind: number, index: number): number[] {
  const bytes = [...Buffer.from(name, 'utf8')];
  return [...leb(bytes.length), ...bytes, kind, ...leb(index)];
}

/**
 * Returns a copy of `wasm` that also exports its defined memories and mutable globals
 * (after making its memory growable in place, growable-memory.ts, and marking it when a
 * snapshot cannot restore it, restorable.ts); `wasm` itself when it has none.
 */
export function exportState(original: Uint8Array): Uint8Array {
  const wasm = growableMemory(markUnrestorable(original));
  let importedMemories = 0;
  let importedGlobals = 0;
  let definedMemories = 0;
  const mutableGlobals: number[] = [];
  let exportSection: { start: number; end: number; contentStart: number } | undefined;
  let insertAt = wasm.length;
  let pos = 8;
  while (pos < wasm.length) {
    const id = wasm[pos];
    const r = new Reader(wasm, pos + 1);
    const size = r.leb();
    const contentStart = r.pos;
    const end = contentStart + size;
    if (id === SECTION.import) {
      for (let n = r.leb(); n > 0; n--) {
        r.name();
        r.name();
        const kind = r.byte();
        if (kind === KIND.func) r.leb();
        else if (kind === KIND.table) {
          r.valType();
          r.limits();
        } else if (kind === KIND.memory) {
          r.limits();
          importedMemories++;
        } else if (kind === KIND.global) {
          r.valType();
          r.byte();
          importedGlobals++;
        } else if (kind === KIND.tag) {
          r.byte();
          r.leb();
        } else throw new Error(`unknown import kind ${kind}`);
      }
    } else if (id === SECTION.memory) {
      definedMemories = r.leb();
    } else if (id === SECTION.global) {
      const count = r.leb();
      for (let i = 0; i < count; i++) {
        r.valType();
        if (r.byte() & 0x01) mutableGlobals.push(importedGlobals + i);
        r.constExpr();
      }
    } else if (id === SECTION.export) {
      exportSection = { start: pos, end, contentStart };
    }
    if (AFTER_EXPORT.has(id) && insertAt === wasm.length) insertAt = pos;
    pos = end;
  }
  const added: number[][] = [];
  for (let i = 0; i < definedMemories; i++) added.push(exportEntry(`${MEMORY_EXPORT_PREFIX}${importedMemories + i}`, KIND.memory, importedMemories + i));
  for (const index of mutableGlobals) added.push(exportEntry(`${GLOBAL_EXPORT_PREFIX}${index}`, KIND.global, index));
  if (added.length === 0) return wasm;

  let count = 0;
  let entries: Uint8Array = new Uint8Array();
  let from = insertAt;
  let to = insertAt;
  if (exportSection) {
    const r = new Reader(wasm, exportSection.contentStart);
    count = r.leb();
    entries = wasm.subarray(r.pos, exportSection.end);
    from = exportSection.start;
    to = exportSection.end;
  }
  const content = [...leb(count + added.length), ...entries, ...added.flat()];
  const header = [SECTION.export, ...leb(content.length)];
  const out = new Uint8Array(from + header.length + content.length + (wasm.length - to));
  out.set(wasm.subarray(0, from), 0);
  out.set(header, from);
  out.set(content, from + header.length);
  out.set(wasm.subarray(to), from + header.length + content.length);
  return out;
}
