/**
 * Walks the instructions of a core module's function bodies, so that a rewrite can find
 * the few it cares about (memory.size, memory.grow, table and segment writes) without
 * mistaking an immediate's byte for an opcode. Ours, like state-exports.ts: it reads the
 * binary once at transpile time, and anything it does not know it refuses (UnknownCode),
 * so a caller falls back to leaving the module as it is.
 */

import { Reader } from './wasm-binary.js';

export class UnknownCode extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownCode';
  }
}

/** One instruction: its opcode, the sub-opcode of a prefixed one (0xfc, 0xfd, 0xfe), and where it lies. */
export interface Instruction {
  op: number;
  sub: number;
  start: number;
  end: number;
}

/** A cursor over a function body: a Reader that reports malformed or unknown code as UnknownCode. */
export class Cursor extends Reader {
  protected override fail(message: string): never {
    throw new UnknownCode(message);
  }

  blockType(): void {
    const t = this.bytes[this.pos];
    if (t === 0x63 || t === 0x64) this.skip(1);
    this.leb(); // 0x40, a one-byte value type, a heap type or an s33 type index
  }

  memArg(): void {
    const align = this.leb();
    if (align & 0x40) this.leb(); // multi-memory: a memory index follows
    this.leb();
  }
}

/** Opcodes with no immediate besides the numeric range 0x45–0xc4. */
const BARE = new Set([0x00, 0x01, 0x05, 0x0a, 0x0b, 0x0f, 0x19, 0x1a, 0x1b, 0xd1, 0xd3, 0xd4]);
/** Opcodes with one LEB immediate. */
const ONE_LEB = new Set([
  0x07, 0x08, 0x09, 0x0c, 0x0d, 0x10, 0x12, 0x14, 0x15, 0x18, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x3f, 0x40, 0x41, 0x42, 0xd0, 0xd2, 0xd5, 0xd6,
]);
/** 0xfc sub-opcodes by their number of LEB immediates (0–7 are the saturating truncations). */
const MISC_LEBS = [0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 2, 1, 2, 1, 2, 1, 1, 1];

function prefixed(c: Cursor, op: number): number {
  const sub = c.leb();
  if (op === 0xfc) {
    if (sub >= MISC_LEBS.length) throw new UnknownCode(`unknown instruction 0xfc ${sub}`);
    for (let i = 0; i < MISC_LEBS[sub]; i++) c.leb();
  } else if (op === 0xfd) {
    if (sub <= 11 || sub === 92 || sub === 93) c.memArg();
    else if (sub >= 84 && sub <= 91) {
      c.memArg();
      c.skip(1);
    } else if (sub === 12 || sub === 13) c.skip(16);
    else if (sub >= 21 && sub <= 34) c.skip(1);
    else if (sub > 0x113) throw new UnknownCode(`unknown instruction 0xfd ${sub}`);
  } else if (op === 0xfe) {
    if (sub === 0x03) c.skip(1);
    else if (sub <= 0x4e) c.memArg();
    else throw new UnknownCode(`unknown instruction 0xfe ${sub}`);
  } else throw new UnknownCode(`unsupported instruction prefix 0x${op.toString(16)} (GC)`);
  return sub;
}

/** Reads one instruction at the cursor. */
export function nextInstruction(c: Cursor): Instruction {
  const start = c.pos;
  const op = c.byte();
  let sub = 0;
  if (BARE.has(op) || (op >= 0x45 && op <= 0xc4)) {
    // no immediate
  } else if (ONE_LEB.has(op)) c.leb();
  else if (op >= 0x02 && op <= 0x04) c.blockType();
  else if (op === 0x06) c.blockType();
  else if (op === 0x11 || op === 0x13) {
    c.leb();
    c.leb();
  } else if (op === 0x0e) {
    for (let n = c.leb() + 1; n > 0; n--) c.leb();
  } else if (op === 0x1c) {
    for (let n = c.leb(); n > 0; n--) c.valType();
  } else if (op === 0x1f) {
    c.blockType();
    for (let n = c.leb(); n > 0; n--) {
      const kind = c.byte();
      if (kind === 0 || kind === 1) c.leb();
      c.leb();
    }
  } else if (op >= 0x28 && op <= 0x3e) c.memArg();
  else if (op === 0x43) c.skip(4);
  else if (op === 0x44) c.skip(8);
  else if (op === 0xfc || op === 0xfd || op === 0xfe || op === 0xfb) sub = prefixed(c, op);
  else throw new UnknownCode(`unknown opcode 0x${op.toString(16)} at byte ${start}`);
  return { op, sub, start, end: c.pos };
}

/** One function body in the code section: where its locals start and where its instructions lie. */
export interface Body {
  /** First byte after the size prefix (the locals). */
  start: number;
  /** First instruction. */
  code: number;
  end: number;
}

/** The function bodies of a code section whose content spans [start, end). */
export function bodies(bytes: Uint8Array, start: number, end: number): Body[] {
  const c = new Cursor(bytes, start);
  const out: Body[] = [];
  for (let n = c.leb(); n > 0; n--) {
    const size = c.leb();
    const bodyStart = c.pos;
    for (let locals = c.leb(); locals > 0; locals--) {
      c.leb();
      c.valType();
    }
    out.push({ start: bodyStart, code: c.pos, end: bodyStart + size });
    c.pos = bodyStart + size;
  }
  if (c.pos !== end) throw new UnknownCode('code section size does not match its bodies');
  return out;
}

/** Calls `visit` with every instruction of `body`. */
export function eachInstruction(bytes: Uint8Array, body: Body, visit: (i: Instruction) => void): void {
  const c = new Cursor(bytes, body.code);
  while (c.pos < body.end) visit(nextInstruction(c));
  if (c.pos !== body.end) throw new UnknownCode('an instruction ran past the end of its function body');
}
