/**
 * Reading and writing the few parts of a core wasm binary the host rewrites (imports,
 * exports, custom sections): a section walker, LEB128 and names. Nothing here validates
 * a module; WebAssembly.compile does that afterwards.
 */

export const SECTION = { custom: 0, type: 1, import: 2, function: 3, table: 4, memory: 5, global: 6, export: 7, code: 10 } as const;
export const KIND = { func: 0, table: 1, memory: 2, global: 3, tag: 4 } as const;

export class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  /** How a malformed binary is reported (a subclass may throw its own error). */
  protected fail(message: string): never {
    throw new Error(message);
  }

  byte(): number {
    if (this.pos >= this.bytes.length) this.fail('truncated wasm binary');
    return this.bytes[this.pos++]!;
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
    return this.fail('malformed LEB128 in wasm binary');
  }

  skip(n: number): void {
    this.pos += n;
  }

  /** A UTF-8 name (length-prefixed). */
  string(): string {
    const n = this.leb();
    const s = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.pos, n).toString('utf8');
    this.pos += n;
    return s;
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
      } else if (![0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e].includes(op)) this.fail(`unexpected opcode 0x${op.toString(16)} in a constant expression`);
    }
  }

  /** The description of an import after its names, returning its kind. */
  importDesc(): number {
    const kind = this.byte();
    if (kind === KIND.func) this.leb();
    else if (kind === KIND.table) {
      this.valType();
      this.limits();
    } else if (kind === KIND.memory) this.limits();
    else if (kind === KIND.global) {
      this.valType();
      this.byte();
    } else if (kind === KIND.tag) {
      this.byte();
      this.leb();
    } else throw new Error(`unknown import kind ${kind}`);
    return kind;
  }
}

export function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) b |= 0x80;
    out.push(b);
  } while (value !== 0);
  return out;
}

export function nameBytes(name: string): number[] {
  const bytes = [...Buffer.from(name, 'utf8')];
  return [...leb(bytes.length), ...bytes];
}

export interface Section {
  id: number;
  /** Offset of the section's id byte. */
  start: number;
  /** Offset of its content (after the size). */
  contentStart: number;
  /** Offset just past it. */
  end: number;
  /** A custom section's name. */
  name?: string;
}

/** The sections of a core module, in order. */
export function sections(wasm: Uint8Array): Section[] {
  const out: Section[] = [];
  let pos = 8;
  while (pos < wasm.length) {
    const id = wasm[pos];
    const r = new Reader(wasm, pos + 1);
    const size = r.leb();
    const section: Section = { id, start: pos, contentStart: r.pos, end: r.pos + size };
    if (id === SECTION.custom) section.name = r.string();
    out.push(section);
    pos = section.end;
  }
  if (pos !== wasm.length) throw new Error('truncated wasm binary');
  return out;
}

/** A section with the given id and content bytes. */
export function encodeSection(id: number, content: readonly number[] | Uint8Array): Uint8Array {
  const header = [id, ...leb(content.length)];
  const out = new Uint8Array(header.length + content.length);
  out.set(header, 0);
  out.set(content, header.length);
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The `producers` custom section: field (language, processed-by, sdk) → [[name, version]]. */
export function producers(wasm: Uint8Array): Map<string, Array<[string, string]>> {
  const out = new Map<string, Array<[string, string]>>();
  const s = sections(wasm).find((x) => x.id === SECTION.custom && x.name === 'producers');
  if (!s) return out;
  const r = new Reader(wasm, s.contentStart);
  r.string();
  for (let fields = r.leb(); fields > 0; fields--) {
    const field = r.string();
    const values: Array<[string, string]> = [];
    for (let n = r.leb(); n > 0; n--) values.push([r.string(), r.string()]);
    out.set(field, values);
  }
  return out;
}
