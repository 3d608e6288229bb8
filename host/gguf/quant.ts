/**
 * Converters from float32 values to the on-disk bytes of each ggml type.
 *
 * The quantizers follow ggml's reference implementations (quantize_row_q8_0_ref,
 * quantize_row_q4_0_ref in ggml-quants.c), with float32 arithmetic emulated by
 * Math.fround so the bytes match what llama-quantize writes:
 *  - Q8_0: blocks of 32; d = absmax / 127 (stored as f16), q[j] = roundf(x[j] / d) as int8.
 *  - Q4_0: blocks of 32; d = max / -8 where max is the value with the largest magnitude
 *    (sign kept), stored as f16; q = min(15, trunc(x / d + 8.5)); byte j (0..15) holds
 *    element j in its low nibble and element j + 16 in its high nibble.
 */

import { f32ToF16Bits } from './f16.js';
import { GgmlType, ggmlBytes } from './ggml-types.js';

const QK = 32;

/** C's roundf: halves round away from zero. */
function roundAway(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

export function quantizeQ8_0(src: Float32Array, out = new Uint8Array(ggmlBytes(GgmlType.Q8_0, src.length))): Uint8Array {
  const blocks = src.length / QK;
  for (let b = 0; b < blocks; b++) {
    const base = b * QK;
    let amax = 0;
    for (let j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(src[base + j]!));
    const d = Math.fround(amax / 127);
    const id = d !== 0 ? Math.fround(1 / d) : 0;
    const o = b * 34;
    const h = f32ToF16Bits(d);
    out[o] = h & 0xff;
    out[o + 1] = h >>> 8;
    for (let j = 0; j < QK; j++) {
      out[o + 2 + j] = roundAway(Math.fround(src[base + j]! * id)) & 0xff;
    }
  }
  return out;
}

export function quantizeQ4_0(src: Float32Array, out = new Uint8Array(ggmlBytes(GgmlType.Q4_0, src.length))): Uint8Array {
  const blocks = src.length / QK;
  for (let b = 0; b < blocks; b++) {
    const base = b * QK;
    let amax = 0;
    let max = 0;
    for (let j = 0; j < QK; j++) {
      const v = src[base + j]!;
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = Math.fround(max / -8);
    const id = d !== 0 ? Math.fround(1 / d) : 0;
    const o = b * 18;
    const h = f32ToF16Bits(d);
    out[o] = h & 0xff;
    out[o + 1] = h >>> 8;
    for (let j = 0; j < QK / 2; j++) {
      const x0 = Math.fround(src[base + j]! * id);
      const x1 = Math.fround(src[base + QK / 2 + j]! * id);
      const q0 = Math.min(15, Math.trunc(Math.fround(x0 + 8.5)));
      const q1 = Math.min(15, Math.trunc(Math.fround(x1 + 8.5)));
      out[o + 2 + j] = q0 | (q1 << 4);
    }
  }
  return out;
}

/** Encode float32 values as `type` (little-endian). */
export function encodeTensorData(type: GgmlType, src: Float32Array): Uint8Array {
  switch (type) {
    case GgmlType.F32: {
      const copy = new Float32Array(src); // Float32Array is little-endian on every platform Node supports
      return new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength);
    }
    case GgmlType.F16: {
      const out = new Uint8Array(src.length * 2);
      for (let i = 0; i < src.length; i++) {
        const h = f32ToF16Bits(src[i]!);
        out[2 * i] = h & 0xff;
        out[2 * i + 1] = h >>> 8;
      }
      return out;
    }
    case GgmlType.Q8_0:
      return quantizeQ8_0(src);
    case GgmlType.Q4_0:
      return quantizeQ4_0(src);
  }
}
