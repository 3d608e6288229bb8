import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseByteSize } from './byte-size.js';

test('sizes in bytes, powers of 1024 and powers of 1000', () => {
  const table: Array<[string, number]> = [
    ['1048576', 1048576],
    ['10b', 10],
    ['512k', 512 * 1024],
    ['10m', 10 * 1024 ** 2],
    ['10MiB', 10 * 1024 ** 2],
    ['1g', 1024 ** 3],
    ['1.5k', 1536],
    ['100MB', 100_000_000],
    ['2 kb', 2000],
  ];
  for (const [text, bytes] of table) assert.equal(parseByteSize('--size', text), bytes, text);
});

test('bad sizes are rejected with the flag and the value named', () => {
  for (const text of ['', 'big', '10x', '-1m', '0', '0.1b']) {
    assert.throws(
      () => parseByteSize('--size', text),
      (err: Error) => err.message.includes('--size') && err.message.includes(`'${text}'`),
      text,
    );
  }
});
