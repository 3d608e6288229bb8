/**
 * Caps the linear memory a core module may grow to, by rewriting the maximum in its
 * memory section. A guest that then asks for more sees memory.grow fail and traps
 * (an allocation failure), so one greedy guest cannot take the host's memory.
 * Ours: no library edits a wasm binary this narrowly, and it costs one copy of the bytes.
 */

const WASM_PAGE = 65536;
const MEMORY_SECTION = 5;

function readU32(bytes: Uint8Array, pos: number): [value: number, next: number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++];
    result |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result >>> 0, pos];
    shift += 7;
    if (shift > 35) throw new Error('malformed LEB128 in wasm binary');
  }
}

function writeU32(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value & 0x7f;
    value >>>= 7;
    if (value !== 0) b |= 0x80;
    out.push(b);
  } while (value !== 0);
  return out;
}

/** Returns a copy of `wasm` whose 32-bit memories may not grow beyond `maxBytes`; unchanged when it has none. */
export function capMemory(wasm: Uint8Array, maxBytes: number): Uint8Array {
  const capPages = Math.max(1, Math.floor(maxBytes / WASM_PAGE));
  let pos = 8;
  while (pos < wasm.length) {
    const id = wasm[pos];
    const [size, contentStart] = readU32(wasm, pos + 1);
    const contentEnd = contentStart + size;
    if (id === MEMORY_SECTION) {
      let p = contentStart;
      const [count, afterCount] = readU32(wasm, p);
      p = afterCount;
      const content: number[] = [...writeU32(count)];
      for (let i = 0; i < count; i++) {
        const flags = wasm[p++];
        if (flags > 0x03) return wasm; // memory64: leave it alone
        const [min, afterMin] = readU32(wasm, p);
        p = afterMin;
        let max: number | undefined;
        if (flags & 0x01) {
          [max, p] = readU32(wasm, p);
        }
        const newMax = Math.max(min, max === undefined ? capPages : Math.min(max, capPages));
        content.push(flags | 0x01, ...writeU32(min), ...writeU32(newMax));
      }
      const header = [MEMORY_SECTION, ...writeU32(content.length)];
      const out = new Uint8Array(pos + header.length + content.length + (wasm.length - contentEnd));
      out.set(wasm.subarray(0, pos), 0);
      out.set(header, pos);
      out.set(content, pos + header.length);
      out.set(wasm.subarray(contentEnd), pos + header.length + content.length);
      return out;
    }
    pos = contentEnd;
  }
  return wasm;
}
