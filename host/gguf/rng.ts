/** A small seeded PRNG (xorshift128) for reproducible random weights. */

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 to spread the seed over the state; the state must not be all zero
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    let t = this.d;
    const s = this.a;
    this.d = this.c;
    this.c = this.b;
    this.b = s;
    t ^= t << 11;
    t ^= t >>> 8;
    this.a = (t ^ s ^ (s >>> 19)) >>> 0;
    return this.a;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Fill `out` with uniform values in [-scale, scale). */
  fillUniform(out: Float32Array, scale: number): Float32Array {
    const k = (2 * scale) / 4294967296;
    for (let i = 0; i < out.length; i++) out[i] = this.nextU32() * k - scale;
    return out;
  }
}

/** A row-by-row source of uniform random values with standard deviation `std`. */
export function randomRows(rng: Rng, rowLength: number, rows: number, std: number): () => Iterable<Float32Array> {
  const scale = std * Math.sqrt(3); // uniform on [-a, a] has std a / sqrt(3)
  return function* () {
    // several rows per chunk keeps the per-chunk overhead low for big tensors
    const perChunk = Math.max(1, Math.floor(65536 / rowLength));
    for (let r = 0; r < rows; r += perChunk) {
      const n = Math.min(perChunk, rows - r);
      yield rng.fillUniform(new Float32Array(n * rowLength), scale);
    }
  };
}

/** A source of `count` copies of `value`. */
export function constantRows(rowLength: number, rows: number, value: number): () => Iterable<Float32Array> {
  return function* () {
    const perChunk = Math.max(1, Math.floor(65536 / rowLength));
    for (let r = 0; r < rows; r += perChunk) {
      const n = Math.min(perChunk, rows - r);
      yield new Float32Array(n * rowLength).fill(value);
    }
  };
}

/**
 * Wrap a row source so column 0 of row r is set to `column0(r)` (when that returns a number).
 * Lets random presets carry a constant "bias" feature in their embeddings.
 */
export function withColumn0(
  source: () => Iterable<Float32Array>,
  rowLength: number,
  column0: (row: number) => number | undefined,
): () => Iterable<Float32Array> {
  return function* () {
    let row = 0;
    for (const chunk of source()) {
      for (let off = 0; off < chunk.length; off += rowLength, row++) {
        const v = column0(row);
        if (v !== undefined) chunk[off] = v;
      }
      yield chunk;
    }
  };
}
