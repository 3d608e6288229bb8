import assert from 'node:assert/strict';
import { test } from 'node:test';
import { physicalCores } from './cpu.js';
import { loadProgress } from './progress.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, write: (s: string) => (written.push(s), true) } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

test('load progress: a redrawn bar on a TTY', () => {
  const { stream, written } = fakeStream(true);
  const logs: string[] = [];
  const p = loadProgress('m', (l) => logs.push(l), stream);
  p.update(0.5);
  p.update(0.501); // same percent: not redrawn
  p.update(1);
  p.done();
  assert.equal(logs.length, 0);
  assert.equal(written.length, 3);
  assert.match(written[0]!, /^\r\[#{15}-{15}\]  50% loading m$/);
  assert.match(written[1]!, /100% loading m$/);
  assert.equal(written[2], '\n');
});

test('load progress: a plain log line otherwise', () => {
  const { stream, written } = fakeStream(false);
  const logs: string[] = [];
  const p = loadProgress('m', (l) => logs.push(l), stream);
  p.update(0.5);
  p.done();
  assert.deepEqual(logs, ['loading m ...']);
  assert.equal(written.length, 0);
});

test('physical cores: at least one, at most the logical count', async () => {
  const { availableParallelism } = await import('node:os');
  const n = physicalCores();
  assert.ok(n >= 1 && n <= availableParallelism());
});
