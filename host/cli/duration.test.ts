import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from './duration.js';

test('durations in Spin units', () => {
  const table: Array<[string, number]> = [
    ['500ms', 500],
    ['5s', 5000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['60', 60_000],
  ];
  for (const [text, ms] of table) assert.equal(parseDuration(text), ms, text);
});

test('bad durations are rejected with the value named', () => {
  for (const text of ['', 'fast', '5x', '-1s', '0s']) assert.throws(() => parseDuration(text), new RegExp(`'${text.replace(/[-]/g, '\\-')}'`));
});
