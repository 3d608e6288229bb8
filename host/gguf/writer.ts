/**
 * A small GGUF v3 writer.
 *
 * File layout (little-endian): magic "GGUF", u32 version 3, u64 tensor count, u64 kv count;
 * the metadata KVs (string key, u32 value type, value); the tensor infos (string name,
 * u32 n_dims, u64 ne[n_dims] with ne0 = row length, u32 ggml type, u64 offset relative to
 * the data section); padding to `general.alignment`; then each tensor's data, each padded
 * to the alignment. Strings are u64 byte length + UTF-8 bytes; arrays are u32 item type,
 * u64 count, items.
 *
 * Tensor data is streamed: a tensor's source yields float32 chunks that are converted and
 * written one at a time, so a large model never sits in memory whole.
 */

import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GgmlType, GGML_TYPE_INFO, ggmlBytes } from './ggml-types.js';
import { encodeTensorData } from './quant.js';

export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

export type GgufScalarType = Exclude<GgufValueType, GgufValueType.ARRAY>;
export type GgufScalar = number | bigint | boolean | string;

export type GgufMetaValue = { type: GgufScalarType; value: GgufScalar } | { type: GgufValueType.ARRAY; itemType: GgufScalarType; value: readonly GgufScalar[] };

/** Float32 values of a tensor, in row-major order (ne0 fastest). A function is called once, when the data is written. */
export type TensorSource = Float32Array | (() => Iterable<Float32Array>);

export interface TensorSpec {
  name: string;
  /** ggml order: dims[0] is the row length. */
  dims: readonly number[];
  type: GgmlType;
  data: TensorSource;
}

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

const FLUSH_BYTES = 4 * 1024 * 1024;

/** Grows a byte buffer for the header part of the file. */
class ByteSink {
  private buf = Buffer.alloc(64 * 1024);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u8(v: number): void {
    this.reserve(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }
  i8(v: number): void {
    this.reserve(1);
    this.buf.writeInt8(v, this.length);
    this.length += 1;
  }
  u16(v: number): void {
    this.reserve(2);
    this.buf.writeUInt16LE(v, this.length);
    this.length += 2;
  }
  i16(v: number): void {
    this.reserve(2);
    this.buf.writeInt16LE(v, this.length);
    this.length += 2;
  }
  u32(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }
  f32(v: number): void {
    this.reserve(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }
  f64(v: number): void {
    this.reserve(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }
  u64(v: number | bigint): void {
    this.reserve(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  i64(v: number | bigint): void {
    this.reserve(8);
    this.buf.writeBigInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  string(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.bytes(b);
  }
  pad(alignment: number): void {
    const n = (alignment - (this.length % alignment)) % alignment;
    this.reserve(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  take(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function writeScalar(sink: ByteSink, type: GgufScalarType, value: GgufScalar, key: string): void {
  const num = (): number => {
    if (typeof value !== 'number' && typeof value !== 'bigint') throw new TypeError(`${key}: expected a number`);
    return Number(value);
  };
  switch (type) {
    case GgufValueType.UINT8:
      sink.u8(num());
      break;
    case GgufValueType.INT8:
      sink.i8(num());
      break;
    case GgufValueType.UINT16:
      sink.u16(num());
      break;
    case GgufValueType.INT16:
      sink.i16(num());
      break;
    case GgufValueType.UINT32:
      sink.u32(num());
      break;
    case GgufValueType.INT32:
      sink.i32(num());
      break;
    case GgufValueType.FLOAT32:
      sink.f32(num());
      break;
    case GgufValueType.FLOAT64:
      sink.f64(num());
      break;
    case GgufValueType.UINT64:
      sink.u64(typeof value === 'bigint' ? value : num());
      break;
    case GgufValueType.INT64:
      sink.i64(typeof value === 'bigint' ? value : num());
      break;
    case GgufValueType.BOOL:
      if (typeof value !== 'boolean') throw new TypeError(`${key}: expected a boolean`);
      sink.u8(value ? 1 : 0);
      break;
    case GgufValueType.STRING:
      if (typeof value !== 'string') throw new TypeError(`${key}: expected a string`);
      sink.string(value);
      break;
  }
}

interface PlacedTensor extends TensorSpec {
  elements: number;
  bytes: number;
  offset: number;
}

export class GgufWriter {
  private readonly kv = new Map<string, GgufMetaValue>();
  private readonly tensors: TensorSpec[] = [];

  constructor(readonly alignment = GGUF_DEFAULT_ALIGNMENT) {
    if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
      throw new Error(`alignment must be a power of two, got ${alignment}`);
    }
    if (alignment !== GGUF_DEFAULT_ALIGNMENT) this.set('general.alignment', { type: GgufValueType.UINT32, value: alignment });
  }

  set(key: string, value: GgufMetaValue): this {
    this.kv.set(key, value);
    return this;
  }
  setU8(key: string, v: number): this {
    return this.set(key, { type: GgufValueType.UINT8, value: v });
  }
  setU32(key: string, v: number): this {
    return this.set(key, { type: GgufValueType.UINT32, value: v });
  }
  setI32(key: string, v: number): this {
    return this.set(key, { type: GgufValueType.INT32, value: v });
  }
  setU64(key: string, v: number | bigint): this {
    return this.set(key, { type: GgufValueType.UINT64, value: v });
  }
  setF32(key: string, v: number): this {
    return this.set(key, { type: GgufValueType.FLOAT32, value: v });
  }
  setBool(key: string, v: boolean): this {
    return this.set(key, { type: GgufValueType.BOOL, value: v });
  }
  setString(key: string, v: string): this {
    return this.set(key, { type: GgufValueType.STRING, value: v });
  }
  setArray(key: string, itemType: GgufScalarType, values: readonly GgufScalar[]): this {
    return this.set(key, { type: GgufValueType.ARRAY, itemType, value: values });
  }

  addTensor(spec: TensorSpec): this {
    if (this.tensors.some((t) => t.name === spec.name)) throw new Error(`duplicate tensor name: ${spec.name}`);
    if (Buffer.byteLength(spec.name) >= 64) throw new Error(`tensor name too long (ggml allows 63 bytes): ${spec.name}`);
    if (spec.dims.length < 1 || spec.dims.length > 4) throw new Error(`${spec.name}: 1 to 4 dims, got ${spec.dims.length}`);
    const blockSize = GGML_TYPE_INFO[spec.type].blockSize;
    if (spec.dims[0]! % blockSize !== 0) {
      throw new Error(`${spec.name}: row length ${spec.dims[0]} is not a multiple of ${blockSize} (${GgmlType[spec.type]})`);
    }
    this.tensors.push(spec);
    return this;
  }

  private place(): PlacedTensor[] {
    let offset = 0;
    return this.tensors.map((t) => {
      const elements = t.dims.reduce((a, b) => a * b, 1);
      const bytes = ggmlBytes(t.type, elements);
      const placed = { ...t, elements, bytes, offset };
      offset += Math.ceil(bytes / this.alignment) * this.alignment;
      return placed;
    });
  }

  private header(placed: readonly PlacedTensor[]): Buffer {
    const sink = new ByteSink();
    sink.u32(GGUF_MAGIC);
    sink.u32(GGUF_VERSION);
    sink.u64(placed.length);
    sink.u64(this.kv.size);
    for (const [key, v] of this.kv) {
      sink.string(key);
      sink.u32(v.type);
      if (v.type === GgufValueType.ARRAY) {
        sink.u32(v.itemType);
        sink.u64(v.value.length);
        for (const item of v.value) writeScalar(sink, v.itemType, item, key);
      } else {
        writeScalar(sink, v.type, v.value, key);
      }
    }
    for (const t of placed) {
      sink.string(t.name);
      sink.u32(t.dims.length);
      for (const d of t.dims) sink.u64(d);
      sink.u32(t.type);
      sink.u64(t.offset);
    }
    sink.pad(this.alignment);
    return sink.take();
  }

  /**
   * Write the file (through a temporary file renamed into place, so a partial file never
   * carries the final name). Creates parent directories. Returns the file size.
   */
  async write(path: string): Promise<{ bytes: number }> {
    const placed = this.place();
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
    const fh = await open(tmp, 'w');
    let written = 0;
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      const chunk = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      await fh.write(chunk);
      written += chunk.length;
      pending = [];
      pendingBytes = 0;
    };
    const push = async (bytes: Uint8Array): Promise<void> => {
      pending.push(bytes);
      pendingBytes += bytes.length;
      if (pendingBytes >= FLUSH_BYTES) await flush();
    };
    try {
      await push(this.header(placed));
      for (const t of placed) {
        let seen = 0;
        const chunks: Iterable<Float32Array> = typeof t.data === 'function' ? t.data() : [t.data];
        for (const chunk of chunks) {
          if (chunk.length % GGML_TYPE_INFO[t.type].blockSize !== 0) {
            throw new Error(`${t.name}: chunk of ${chunk.length} values is not a multiple of the block size`);
          }
          seen += chunk.length;
          if (seen > t.elements) break;
          await push(encodeTensorData(t.type, chunk));
        }
        if (seen !== t.elements) throw new Error(`${t.name}: source gave ${seen} values, the shape needs ${t.elements}`);
        const padding = Math.ceil(t.bytes / this.alignment) * this.alignment - t.bytes;
        if (padding > 0) await push(new Uint8Array(padding));
      }
      await flush();
      await fh.close();
      await rename(tmp, path);
    } catch (err) {
      await fh.close().catch(() => undefined);
      await rm(tmp, { force: true });
      throw err;
    }
    return { bytes: written };
  }
}
