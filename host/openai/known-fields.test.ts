/** known-fields.ts against the installed `openai` client's own request types: every field it can send is known. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { ApiError } from './errors.js';
import { knownFields, normalizeFields, type BodyEndpoint } from './known-fields.js';

const openaiDir = dirname(createRequire(import.meta.url).resolve('openai'));

function interfaceFields(file: string, names: readonly string[]): Set<string> {
  const sf = ts.createSourceFile(file, readFileSync(join(openaiDir, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const out = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isInterfaceDeclaration(n) && names.includes(n.name.text)) for (const m of n.members) if (m.name) out.add(m.name.getText(sf));
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

const CLIENT_TYPES: ReadonlyArray<readonly [BodyEndpoint, string, string[]]> = [
  ['chat', 'resources/chat/completions/completions.d.ts', ['ChatCompletionCreateParamsBase', 'ChatCompletionCreateParamsStreaming']],
  ['completions', 'resources/completions.d.ts', ['CompletionCreateParamsBase', 'CompletionCreateParamsStreaming']],
  ['embeddings', 'resources/embeddings.d.ts', ['EmbeddingCreateParams']],
  ['responses', 'resources/responses/responses.d.ts', ['ResponseCreateParamsBase', 'ResponseCreateParamsStreaming']],
];

test("every field the openai client's create() params define is known on its endpoint", () => {
  for (const [endpoint, file, names] of CLIENT_TYPES) {
    const fields = interfaceFields(file, names);
    assert.ok(fields.size > 3, `${file}: found the interfaces`);
    const missing = [...fields].filter((f) => !knownFields(endpoint).has(f));
    assert.deepEqual(missing, [], `${endpoint}: fields the client may send but the server would refuse`);
  }
});

test('aliases are renamed, unknown fields refused by name', () => {
  assert.deepEqual(normalizeFields({ model: 'm', maxTokens: 3, topP: 0.5 }, 'chat'), { model: 'm', max_tokens: 3, top_p: 0.5 });
  assert.throws(
    () => normalizeFields({ model: 'm', maxTokens: 3 }, 'embeddings'),
    (e: unknown) => e instanceof ApiError && e.message === 'Unrecognized request argument supplied: maxTokens',
  );
});
