import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GenerationText, type Detokenizer } from './text-stream.js';

/** Token n is the string PIECES[n]; tokens 100+b are single UTF-8 bytes b. */
const PIECES = ['', 'Hel', 'lo', ' wor', 'ld', '\n', 'END', 'E', 'ND', 'x'];
const fake: Detokenizer = {
  detokenize(tokens) {
    const bytes: number[] = [];
    for (const t of tokens) {
      if (t >= 100) bytes.push(t - 100);
      else bytes.push(...Buffer.from(PIECES[t]!));
    }
    return Buffer.from(bytes).toString('utf8');
  },
};

function run(tokens: number[], stops: string[]): { text: string; chunks: string[]; stoppedAfter: number | undefined } {
  const chunks: string[] = [];
  const g = new GenerationText(fake, [], stops, (c) => chunks.push(c));
  let stoppedAfter: number | undefined;
  for (const [i, t] of tokens.entries()) {
    if (g.push(t)) {
      stoppedAfter = i + 1;
      break;
    }
  }
  return { text: g.finish(), chunks, stoppedAfter };
}

describe('GenerationText', () => {
  test('no stops: text streams as it comes', () => {
    const r = run([1, 2, 3, 4], []);
    assert.equal(r.text, 'Hello world');
    assert.deepEqual(r.chunks, ['Hel', 'lo', ' wor', 'ld']);
  });

  test('a stop string inside one token cuts the text before it', () => {
    const r = run([1, 2, 6, 9], ['END']);
    assert.equal(r.text, 'Hello');
    assert.equal(r.stoppedAfter, 3);
    assert.equal(r.chunks.join(''), 'Hello');
  });

  test('a stop string across tokens is never streamed, even partly', () => {
    const r = run([1, 7, 8, 9], ['END']);
    assert.equal(r.text, 'Hel');
    assert.equal(r.stoppedAfter, 3);
    assert.deepEqual(r.chunks, ['Hel']);
  });

  test('held-back text that does not become a stop is released', () => {
    const r = run([1, 7, 9], ['END']);
    assert.equal(r.text, 'HelEx');
    assert.equal(r.stoppedAfter, undefined);
    assert.equal(r.chunks.join(''), 'HelEx');
  });

  test('multi-byte characters split over byte tokens are emitted whole', () => {
    // "é" = C3 A9, "€" = E2 82 AC
    const r = run([100 + 0xc3, 100 + 0xa9, 100 + 0xe2, 100 + 0x82, 100 + 0xac], []);
    assert.equal(r.text, 'é€');
    assert.deepEqual(r.chunks, ['é', '€']);
  });

  test('the earliest of several stops wins', () => {
    const r = run([1, 2, 3, 4, 5], ['world', 'lo w']);
    assert.equal(r.text, 'Hel');
  });
});
