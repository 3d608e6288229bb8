/** Column types and values as Spin's MySQL converts them: wire type and flags decide, and a value Spin cannot convert fails the call. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellValue, ConversionError, dataTypeOf } from './results.js';

const UNSIGNED = 32;
const BINARY = 128;

test('wire types and flags map as in Spin; the rest (DECIMAL, dates, YEAR, BIT, VARCHAR, MEDIUM/LONG BLOB, NULL) is other', () => {
  const cases: Array<[number, number, string]> = [
    [1, 0, 'int8'],
    [1, UNSIGNED, 'uint8'],
    [2, 0, 'int16'],
    [9, UNSIGNED, 'uint32'],
    [3, 0, 'int32'],
    [8, UNSIGNED, 'uint64'],
    [4, 0, 'floating32'],
    [5, 0, 'floating64'],
    [252, 16, 'str'],
    [252, 16 | BINARY, 'binary'],
    [253, 0, 'str'],
    [253, BINARY, 'binary'],
    [254, BINARY, 'binary'],
    [246, 0, 'other'],
    [12, BINARY, 'other'],
    [13, UNSIGNED, 'other'],
    [16, UNSIGNED, 'other'],
    [15, 0, 'other'],
    [250, 0, 'other'],
    [251, 0, 'other'],
    [6, BINARY, 'other'],
  ];
  for (const [columnType, flags, want] of cases) assert.equal(dataTypeOf({ name: 'c', columnType, flags }), want, `${columnType}/${flags}`);
});

test('values: integers in range, BIGINTs from decimal text, text as UTF-8 only, bytes as bytes; NULL is db-null anywhere', () => {
  assert.deepEqual(cellValue({ name: 'a', dataType: 'uint64' }, '18446744073709551615'), { tag: 'uint64', val: 18446744073709551615n });
  assert.deepEqual(cellValue({ name: 'a', dataType: 'int8' }, -128), { tag: 'int8', val: -128 });
  assert.deepEqual(cellValue({ name: 'a', dataType: 'str' }, Buffer.from('é')), { tag: 'str', val: 'é' });
  assert.deepEqual(cellValue({ name: 'a', dataType: 'binary' }, 'ab'), { tag: 'binary', val: new Uint8Array([97, 98]) });
  assert.deepEqual(cellValue({ name: 'a', dataType: 'other' }, null), { tag: 'db-null' });
  const fails = (dataType: Parameters<typeof cellValue>[0]['dataType'], cell: unknown) =>
    assert.throws(() => cellValue({ name: 'col', dataType }, cell), ConversionError, `${dataType} ${String(cell)}`);
  fails('int8', 128);
  fails('uint16', -1);
  fails('str', Buffer.from([0xff, 0xfe]));
  fails('int64', 'twelve');
  assert.throws(() => cellValue({ name: 'd', dataType: 'other' }, '1.50'), { message: "Cannot convert value '1.50' in column d data type Other" });
});
