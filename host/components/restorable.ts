/**
 * Marks a core module whose state a snapshot cannot put back: one that writes its tables
 * (table.set, table.grow, table.fill, table.copy, table.init, elem.drop) or drops a passive
 * data segment (data.drop). A snapshot restores memories and globals only, and a dropped
 * segment cannot be undone, so such a module must run on fresh instances. The mark is a
 * custom section naming the first such instruction; core-snapshot.ts reads it with
 * WebAssembly.Module.customSections and refuses the snapshot (NotReusable).
 *
 * None of our guests does this today (checked: js-hello, the Spin JS SDK app, rust-*:
 * test/guest-tables.test.ts); the mark keeps a future one from being reused unsoundly.
 */
import { leb } from './wasm-binary.js';
import { bodies, Cursor, eachInstruction, UnknownCode } from './wasm-code.js';

export const UNRESTORABLE_SECTION = 'spin-ts:unrestorable';

const CODE_SECTION = 10;
/** 0xfc sub-opcodes that change tables or segments. */
const MISC_WRITES: Record<number, string> = { 9: 'data.drop', 12: 'table.init', 13: 'elem.drop', 14: 'table.copy', 15: 'table.grow', 17: 'table.fill' };

/** The first instruction in `wasm` that changes state a snapshot cannot restore, if any. */
export function unrestorableInstruction(wasm: Uint8Array): string | undefined {
  let pos = 8;
  while (pos < wasm.length) {
    const c = new Cursor(wasm, pos + 1);
    const size = c.leb();
    if (wasm[pos] === CODE_SECTION) {
      let found: string | undefined;
      for (const body of bodies(wasm, c.pos, c.pos + size)) {
        eachInstruction(wasm, body, (i) => {
          if (found) return;
          if (i.op === 0x26) found = 'table.set';
          else if (i.op === 0xfc && MISC_WRITES[i.sub]) found = MISC_WRITES[i.sub];
        });
        if (found) return found;
      }
      return undefined;
    }
    pos = c.pos + size;
  }
  return undefined;
}

/** `wasm` with the mark appended when it has such an instruction (or code this reader does not know); `wasm` itself otherwise. */
export function markUnrestorable(wasm: Uint8Array): Uint8Array {
  let why: string | undefined;
  try {
    why = unrestorableInstruction(wasm);
  } catch (err) {
    if (!(err instanceof UnknownCode)) throw err;
    why = `code the snapshot reader does not know (${err.message})`;
  }
  if (!why) return wasm;
  const name = [...Buffer.from(UNRESTORABLE_SECTION, 'utf8')];
  const payload = [...leb(name.length), ...name, ...Buffer.from(why, 'utf8')];
  return Buffer.concat([wasm, Uint8Array.from([0, ...leb(payload.length), ...payload])]);
}
