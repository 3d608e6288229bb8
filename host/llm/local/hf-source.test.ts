/** hf: URIs read as node-llama-cpp reads them, the endpoint variables, and the token going to the endpoint's host only. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hfEndpoint, hfUrl, parseHfUri, sourceHeaders } from './hf-source.js';

test('hf:<user>/<repo>/<file>[#revision] and its spellings', () => {
  assert.deepEqual(parseHfUri('hf:a/b-GGUF/sub/m.Q4_0.gguf'), { user: 'a', repo: 'b-GGUF', file: 'sub/m.Q4_0.gguf', revision: 'main' });
  assert.deepEqual(parseHfUri('huggingface://a/b/m.gguf#v2'), { user: 'a', repo: 'b', file: 'm.gguf', revision: 'v2' });
  assert.equal(hfUrl(parseHfUri('hf:a/b/m.gguf'), 'https://huggingface.co/'), 'https://huggingface.co/a/b/resolve/main/m.gguf?download=true');
  assert.throws(() => parseHfUri('hf:a/b'), /names no file/);
  assert.throws(() => parseHfUri('hf:a/b:Q4_K_M'), /names no file/);
  assert.throws(() => parseHfUri('hf:a/b/../x.gguf'), /names no file/);
});

test('MODEL_ENDPOINT, then HF_ENDPOINT, then huggingface.co; the token goes to that host only', async () => {
  assert.equal(hfEndpoint({}), 'https://huggingface.co/');
  assert.equal(hfEndpoint({ HF_ENDPOINT: 'http://127.0.0.1:9' }), 'http://127.0.0.1:9/');
  assert.equal(hfEndpoint({ HF_ENDPOINT: 'http://127.0.0.1:9', MODEL_ENDPOINT: 'https://mirror.example/' }), 'https://mirror.example/');
  const env = { HF_TOKEN: 't', HF_ENDPOINT: 'http://127.0.0.1:9' };
  assert.deepEqual(await sourceHeaders('http://127.0.0.1:9/a/b/resolve/main/m.gguf', env), { authorization: 'Bearer t' });
  assert.deepEqual(await sourceHeaders('https://example.com/m.gguf', env), {});
  assert.deepEqual(await sourceHeaders('https://hf.co/a/b/resolve/main/m.gguf', { HF_TOKEN: 't' }), { authorization: 'Bearer t' });
});
