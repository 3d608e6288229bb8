import assert from 'node:assert/strict';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readGgufFileInfo } from 'node-llama-cpp';
import { f16BitsToF32, f32ToF16Bits } from './f16.js';
import { GgmlType } from './ggml-types.js';
import { encodeTensorData, quantizeQ4_0, quantizeQ8_0 } from './quant.js';
import { GgufValueType, GgufWriter } from './writer.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gguf-writer-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('f16', () => {
  test('exact values', () => {
    assert.equal(f32ToF16Bits(0), 0x0000);
    assert.equal(f32ToF16Bits(-0), 0x8000);
    assert.equal(f32ToF16Bits(1), 0x3c00);
    assert.equal(f32ToF16Bits(-2), 0xc000);
    assert.equal(f32ToF16Bits(0.5), 0x3800);
    assert.equal(f32ToF16Bits(65504), 0x7bff);
    assert.equal(f32ToF16Bits(2 ** -24), 0x0001); // smallest subnormal
    assert.equal(f32ToF16Bits(2 ** -14), 0x0400); // smallest normal
  });
  test('rounding: nearest, ties to even; overflow to infinity', () => {
    assert.equal(f32ToF16Bits(0.1), 0x2e66);
    assert.equal(f32ToF16Bits(1 + 2 ** -11), 0x3c00); // tie → even (down)
    assert.equal(f32ToF16Bits(1 + 3 * 2 ** -11), 0x3c02); // tie → even (up)
    assert.equal(f32ToF16Bits(65520), 0x7c00);
    assert.equal(f32ToF16Bits(Infinity), 0x7c00);
    assert.equal(f32ToF16Bits(2 ** -26), 0x0000);
    assert.ok(Number.isNaN(f16BitsToF32(f32ToF16Bits(NaN))));
  });
  test('round trip of representable values', () => {
    for (const v of [1, -1, 0.25, 3.140625, 1024, -0.0009765625, 2 ** -20]) assert.equal(f16BitsToF32(f32ToF16Bits(v)), v);
  });
});

describe('quantizers (ggml reference layout)', () => {
  test('Q8_0: d = absmax/127 as f16, q = roundf(x/d), halves away from zero', () => {
    const x = new Float32Array(32);
    x.set([-127, 1.5, -1.5, 2.5, -2.5, 0.49, 100.2, -0.5]);
    const out = quantizeQ8_0(x);
    assert.equal(out.length, 34);
    // absmax 127 → d = 1.0 → f16 0x3C00, little-endian
    assert.deepEqual([...out.subarray(0, 2)], [0x00, 0x3c]);
    const q = [...new Int8Array(out.buffer, out.byteOffset + 2, 32)];
    assert.deepEqual(q.slice(0, 8), [-127, 2, -2, 3, -3, 0, 100, -1]);
    assert.deepEqual(q.slice(8), new Array(24).fill(0));
  });

  test('Q4_0: d = max/-8 as f16, q = min(15, trunc(x/d + 8.5)), byte j = q[j] | q[j+16] << 4', () => {
    const x = new Float32Array(32);
    // the largest magnitude is -8, so d = 1 and id = 1
    x.set([-8, 7, 7.6, 0, -0.5, -0.6, 3.49, 3.5], 0);
    x.set([1, -1, 2, -2, 5, -5, 6.4, -7.9], 16);
    const out = quantizeQ4_0(x);
    assert.equal(out.length, 18);
    assert.deepEqual([...out.subarray(0, 2)], [0x00, 0x3c]);
    const lo = [0, 15, 15, 8, 8, 7, 11, 12];
    const hi = [9, 7, 10, 6, 13, 3, 14, 0];
    const expected = lo.map((l, j) => l | (hi[j]! << 4)).concat(new Array(8).fill(8 | (8 << 4)));
    assert.deepEqual([...out.subarray(2)], expected);
  });

  test('Q4_0 with a positive max gets a negative scale; an all-zero block is d = -0 and nibbles 8', () => {
    const x = new Float32Array(64);
    x[0] = 8; // d = 8 / -8 = -1 → f16 0xBC00
    x[1] = -7;
    const out = quantizeQ4_0(x);
    assert.deepEqual([...out.subarray(0, 2)], [0x00, 0xbc]);
    assert.equal(out[2]! & 0x0f, 0); // trunc(-8 + 8.5) = 0
    assert.equal(out[3]! & 0x0f, 15); // trunc(7 + 8.5) = 15
    // as in C: 0.0f / -8 is -0.0f, whose f16 bits are 0x8000
    assert.deepEqual([...out.subarray(18, 20)], [0x00, 0x80]);
    assert.deepEqual([...out.subarray(20, 36)], new Array(16).fill(0x88));
  });

  test('encodeTensorData sizes', () => {
    const x = new Float32Array(64).fill(1);
    assert.equal(encodeTensorData(GgmlType.F32, x).length, 256);
    assert.equal(encodeTensorData(GgmlType.F16, x).length, 128);
    assert.equal(encodeTensorData(GgmlType.Q8_0, x).length, 68);
    assert.equal(encodeTensorData(GgmlType.Q4_0, x).length, 36);
  });
});

describe('GgufWriter', () => {
  test('round trip through node-llama-cpp readGgufFileInfo: metadata, tensor infos, alignment, data', async () => {
    const path = join(dir, 'round-trip.gguf');
    const a = new Float32Array(64).map((_, i) => i / 8 - 4);
    const rows = new Float32Array(96).map((_, i) => Math.sin(i));
    const w = new GgufWriter()
      .setString('general.architecture', 'llama')
      .setString('general.name', 'round trip ✓')
      .setU8('test.u8', 200)
      .setI32('test.i32', -7)
      .setU32('test.u32', 4_000_000_000)
      .setF32('test.f32', 0.5)
      .setBool('test.bool', true)
      .setU64('test.u64', 2n ** 40n)
      .set('test.f64', { type: GgufValueType.FLOAT64, value: Math.PI })
      .setArray('test.strings', GgufValueType.STRING, ['a', '', 'ünï'])
      .setArray('test.i32s', GgufValueType.INT32, [1, -2, 3])
      .setArray('test.f32s', GgufValueType.FLOAT32, [0.25, -1.5]);
    w.addTensor({ name: 'a.f32', dims: [64], type: GgmlType.F32, data: a });
    w.addTensor({ name: 'b.f16', dims: [32, 3], type: GgmlType.F16, data: rows });
    w.addTensor({ name: 'c.q8', dims: [32, 3], type: GgmlType.Q8_0, data: () => [rows.subarray(0, 32), rows.subarray(32)] });
    w.addTensor({ name: 'd.q4', dims: [32, 3], type: GgmlType.Q4_0, data: rows });
    const { bytes } = await w.write(path);
    assert.equal((await stat(path)).size, bytes);

    const info = await readGgufFileInfo(path, { logWarnings: false });
    assert.equal(info.version, 3);
    const md = info.metadata as unknown as Record<string, Record<string, unknown>>;
    assert.equal(md['general']!['architecture'], 'llama');
    assert.equal(md['general']!['name'], 'round trip ✓');
    const t = md['test']!;
    assert.equal(t['u8'], 200);
    assert.equal(t['i32'], -7);
    assert.equal(t['u32'], 4_000_000_000);
    assert.equal(t['f32'], 0.5);
    assert.equal(t['bool'], true);
    assert.equal(BigInt(t['u64'] as number | bigint), 2n ** 40n);
    assert.equal(t['f64'], Math.PI);
    assert.deepEqual(t['strings'], ['a', '', 'ünï']);
    assert.deepEqual(t['i32s'], [1, -2, 3]);
    assert.deepEqual(t['f32s'], [0.25, -1.5]);

    const tensors = info.fullTensorInfo ?? info.tensorInfo ?? [];
    assert.deepEqual(
      tensors.map((x) => [x.name, x.dimensions.map(Number), x.ggmlType]),
      [
        ['a.f32', [64], GgmlType.F32],
        ['b.f16', [32, 3], GgmlType.F16],
        ['c.q8', [32, 3], GgmlType.Q8_0],
        ['d.q4', [32, 3], GgmlType.Q4_0],
      ],
    );
    // offsets are contiguous with each tensor padded to 32 bytes
    assert.deepEqual(
      tensors.map((x) => Number(x.offset)),
      [0, 256, 448, 448 + 128],
    );

    // the bytes at each tensor's file offset are the encoded data
    const fh = await open(path, 'r');
    try {
      const expectations: Array<[number, Uint8Array]> = [
        [0, encodeTensorData(GgmlType.F32, a)],
        [1, encodeTensorData(GgmlType.F16, rows)],
        [2, encodeTensorData(GgmlType.Q8_0, rows)],
        [3, encodeTensorData(GgmlType.Q4_0, rows)],
      ];
      for (const [i, want] of expectations) {
        const buf = Buffer.alloc(want.length);
        await fh.read(buf, 0, want.length, Number(tensors[i]!.fileOffset));
        assert.deepEqual(new Uint8Array(buf), want, tensors[i]!.name);
        assert.equal(Number(tensors[i]!.fileOffset) % 32, 0);
      }
    } finally {
      await fh.close();
    }
  });

  test('custom alignment is written as general.alignment and honoured', async () => {
    const path = join(dir, 'align.gguf');
    const w = new GgufWriter(64).setString('general.architecture', 'llama');
    w.addTensor({ name: 'x', dims: [3], type: GgmlType.F32, data: new Float32Array(3) });
    w.addTensor({ name: 'y', dims: [5], type: GgmlType.F32, data: new Float32Array(5) });
    await w.write(path);
    const info = await readGgufFileInfo(path, { logWarnings: false });
    assert.equal((info.metadata as unknown as { general: { alignment: number } }).general.alignment, 64);
    const tensors = info.fullTensorInfo ?? info.tensorInfo ?? [];
    assert.deepEqual(
      tensors.map((x) => Number(x.offset)),
      [0, 64],
    );
    assert.equal(Number(tensors[0]!.fileOffset) % 64, 0);
  });

  test('rejects bad shapes and short sources, leaving no file behind', async () => {
    assert.throws(() => new GgufWriter().addTensor({ name: 'q', dims: [16], type: GgmlType.Q4_0, data: new Float32Array(16) }), /multiple of 32/);
    assert.throws(() => new GgufWriter(24), /power of two/);
    const w = new GgufWriter();
    w.addTensor({ name: 'x', dims: [8, 2], type: GgmlType.F32, data: () => [new Float32Array(8)] });
    const path = join(dir, 'short.gguf');
    await assert.rejects(w.write(path), /gave 8 values, the shape needs 16/);
    await assert.rejects(stat(path));
  });
});
