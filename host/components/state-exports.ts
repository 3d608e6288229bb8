/**
 * Makes a core module's state reachable from JS: exports each memory and each mutable
 * global it defines under reserved names, so a worker can snapshot that state after
 * instantiation and restore it between requests (core-snapshot.ts). The glue never
 * sees these names; nothing else changes. Ours for the same reason as memory-cap.ts.
 */
import { growableMemory } from './growable-memory.js';
import { markUnrestorable } from './restorable.js';
import { KIND, leb, nameBytes, Reader, SECTION } from './wasm-binary.js';

export const MEMORY_EXPORT_PREFIX = 'spin-ts:memory:';
export const GLOBAL_EXPORT_PREFIX = 'spin-ts:global:';

/** Sections that must come after the export section (start, element, data count, code, data). */
const AFTER_EXPORT = new Set([8, 9, 10, 11, 12]);

function exportEntry(name: string, kind: number, index: number): number[] {
  return [...nameBytes(name), kind, ...leb(index)];
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
        r.string();
        r.string();
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
