/** The grammar and schema bounds read a grammar as llama.cpp's parser does: literals, classes and comments hold no structure. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from './errors.js';
import { checkGbnf, checkJsonSchema, GRAMMAR_LIMITS } from './grammar-limits.js';

const refusedWith = (re: RegExp) => (err: unknown) => err instanceof ApiError && err.status === 400 && err.code === 'grammar_too_large' && re.test(err.message);

describe('checkGbnf', () => {
  test('parentheses and bars inside literals, character classes and comments are not structure', () => {
    const open = '('.repeat(200);
    const bars = '|'.repeat(2000);
    checkGbnf(`root ::= "${open}\\"${bars}" [${open}\\]${bars}] # ${open}${bars}\nx ::= "a"`, 'grammar');
  });

  test('the depth counts nesting, not groups side by side', () => {
    checkGbnf('root ::= ' + '("a") '.repeat(GRAMMAR_LIMITS.maxGroups), 'grammar');
    const deep = 'root ::= ' + '('.repeat(GRAMMAR_LIMITS.maxDepth) + '"a"' + ')'.repeat(GRAMMAR_LIMITS.maxDepth);
    checkGbnf(deep, 'grammar');
    assert.throws(() => checkGbnf(deep.replace('(', '(('), 'grammar'), refusedWith(/nests groups more than 64 deep/));
  });

  test('each bound names itself and the field', () => {
    assert.throws(() => checkGbnf('x'.repeat(GRAMMAR_LIMITS.maxChars + 1), 'grammar'), refusedWith(/^'grammar': the grammar is 32769 characters/));
    assert.throws(() => checkGbnf('root ::= ' + Array(1026).fill('"a"').join('|'), 'g'), refusedWith(/^'g': the grammar has more than 1024 alternatives/));
    assert.throws(() => checkGbnf(Array.from({ length: 1025 }, (_, i) => `r${i} ::= "a"`).join('\n'), 'grammar'), refusedWith(/more than 1024 rules/));
  });
});

describe('checkJsonSchema', () => {
  test('enum values and anyOf/oneOf branches count together', () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => i);
    checkJsonSchema({ anyOf: [{ enum: values(500) }, { enum: values(522) }] }, 's');
    assert.throws(() => checkJsonSchema({ anyOf: [{ enum: values(500) }, { enum: values(523) }] }, 's'), refusedWith(/more than 1024/));
  });

  test('size and depth are bounded, and the walk needs no recursion', () => {
    assert.throws(() => checkJsonSchema({ description: 'x'.repeat(40_000) }, 's'), refusedWith(/more than 32768 characters as JSON/));
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { items: deep };
    assert.throws(() => checkJsonSchema(deep, 's'), refusedWith(/more than 32 deep/));
  });
});
