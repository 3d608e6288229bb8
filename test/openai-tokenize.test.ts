/**
 * llama-server's /tokenize and /detokenize on `models serve`, over raw HTTP (the shapes are
 * llama-server's, not OpenAI's): round trips, special-token texts, BOS on request, pieces (a byte
 * token is its byte), a text large enough for the prompt worker, the model rule (optional with one
 * model, required with several) and every bad body.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe, type RunningServer } from './support/serve.js';
import { tempDir } from './support/spin.js';

let server: RunningServer;

before(async () => {
  const state = join(await tempDir('spin-ts-tokenize-'), 'state');
  await generateModel('tiny-llama', join(state, 'ai-models', 'llama', 'tiny', 'model.gguf'));
  await generateModel('tiny-predictable', join(state, 'ai-models', 'llama', 'other', 'model.gguf'));
  server = await startModelsServe(['--state-dir', state, '--llm-threads', '1', '--llm-slots', '1', '--gpu', 'cpu', '--no-preload']);
});

after(async () => {
  await server?.stop();
});

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function ok(path: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await post(path, body);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
}

async function refused(path: string, body: unknown, status: number, param: string | null): Promise<string> {
  const r = await post(path, body);
  assert.equal(r.status, status, JSON.stringify(r.json));
  const error = r.json.error as { param: string | null; message: string };
  assert.equal(error.param, param, error.message);
  return error.message;
}

describe('/tokenize and /detokenize', () => {
  // first, while no model is loaded: two are available and none is named
  test('with several models and none named: 400 naming "model", listing them', async () => {
    const message = await refused('/tokenize', { content: 'hi' }, 400, 'model');
    assert.match(message, /2 models .*other.*tiny|2 models .*tiny.*other/);
    await refused('/detokenize', { tokens: [1] }, 400, 'model');
  });

  test('an unknown model: 404', async () => {
    await refused('/tokenize', { content: 'hi', model: 'nope' }, 404, 'model');
    await refused('/detokenize', { tokens: [1], model: 'nope' }, 404, 'model');
  });

  test('tokens round-trip through /detokenize', async () => {
    const text = 'hello world, the quick brown fox';
    const { tokens } = (await ok('/tokenize', { content: text, model: 'tiny' })) as { tokens: number[] };
    assert.ok(tokens.length > 3 && tokens.every((t) => Number.isInteger(t)));
    assert.deepEqual(await ok('/detokenize', { tokens, model: 'tiny' }), { content: text });
  });

  test('with one model loaded, "model" may be left out', async () => {
    const named = await ok('/tokenize', { content: 'abc', model: 'tiny' });
    assert.deepEqual(await ok('/tokenize', { content: 'abc' }), named);
  });

  test('a special-token text is that one token; add_special prepends BOS', async () => {
    const { tokens } = (await ok('/tokenize', { content: '<|im_start|>', model: 'tiny' })) as { tokens: number[] };
    assert.equal(tokens.length, 1);
    assert.deepEqual(await ok('/detokenize', { tokens, model: 'tiny' }), { content: '<|im_start|>' });
    const plain = ((await ok('/tokenize', { content: 'abc', model: 'tiny' })) as { tokens: number[] }).tokens;
    const withBos = (await ok('/tokenize', { content: 'abc', model: 'tiny', add_special: true, with_pieces: true })) as {
      tokens: { id: number; piece: unknown }[];
    };
    assert.equal(withBos.tokens.length, plain.length + 1);
    assert.equal(withBos.tokens[0]!.piece, '<s>');
    assert.deepEqual(
      withBos.tokens.slice(1).map((t) => t.id),
      plain,
    );
  });

  test('with_pieces: {id, piece}; a byte token is its byte; the pieces make the text', async () => {
    const text = 'héllo wörld';
    const { tokens } = (await ok('/tokenize', { content: text, model: 'tiny', with_pieces: true })) as { tokens: { id: number; piece: string | number[] }[] };
    const bytes: number[] = [];
    for (const { id, piece } of tokens) {
      assert.ok(Number.isInteger(id));
      if (typeof piece === 'string') bytes.push(...Buffer.from(piece, 'utf8'));
      else {
        assert.ok(piece.every((b) => Number.isInteger(b) && b >= 0 && b < 256));
        bytes.push(...piece);
      }
    }
    assert.ok(
      tokens.some((t) => Array.isArray(t.piece)),
      'é is two byte tokens in this vocabulary',
    );
    assert.equal(Buffer.from(bytes).toString('utf8'), text);
  });

  test('a text past the inline size (prompt worker) tokenizes as its parts do', async () => {
    // a SentencePiece vocabulary writes a space before text that follows a special token, so
    // the round trip is checked on plain text, the token count on text with special tokens
    const plain = 'the quick brown fox jumps over the lazy dog. '.repeat(250); // 11 250 characters
    const tokens = ((await ok('/tokenize', { content: plain, model: 'tiny' })) as { tokens: number[] }).tokens;
    assert.deepEqual(await ok('/detokenize', { tokens, model: 'tiny' }), { content: plain });
    const part = 'the quick brown fox <|im_end|>';
    const whole = ((await ok('/tokenize', { content: part.repeat(400), model: 'tiny' })) as { tokens: number[] }).tokens;
    const one = ((await ok('/tokenize', { content: part, model: 'tiny' })) as { tokens: number[] }).tokens;
    assert.deepEqual(whole, Array.from({ length: 400 }, () => one).flat());
  });

  test('bad bodies: 400 naming the field', async () => {
    await refused('/tokenize', '', 400, null);
    await refused('/tokenize', '{"content":', 400, null);
    await refused('/tokenize', [], 400, null);
    await refused('/tokenize', {}, 400, 'content');
    await refused('/tokenize', { content: 42 }, 400, 'content');
    await refused('/tokenize', { content: 'x', add_special: 'yes' }, 400, 'add_special');
    await refused('/tokenize', { content: 'x', with_pieces: 1 }, 400, 'with_pieces');
    await refused('/tokenize', { content: 'x', model: 7 }, 400, 'model');
    await refused('/detokenize', {}, 400, 'tokens');
    await refused('/detokenize', { tokens: 'abc' }, 400, 'tokens');
    await refused('/detokenize', { tokens: [1, -1] }, 400, 'tokens[1]');
    await refused('/detokenize', { tokens: [1, 2.5] }, 400, 'tokens[1]');
    await refused('/detokenize', { tokens: [1, '2'] }, 400, 'tokens[1]');
    const message = await refused('/detokenize', { tokens: [5, 10_000_000], model: 'tiny' }, 400, 'tokens[1]');
    assert.match(message, /not a token id of this model/);
  });

  test('an empty text has no tokens; no tokens are the empty text', async () => {
    assert.deepEqual(await ok('/tokenize', { content: '', model: 'tiny' }), { tokens: [] });
    assert.deepEqual(await ok('/detokenize', { tokens: [], model: 'tiny' }), { content: '' });
  });
});
