/** The schema rewrite keeps each schema's meaning in keywords node-llama-cpp enforces, and refuses the rest naming the keyword. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import { ApiError } from './errors.js';
import { DEFAULT_STRING_MAX_LENGTH, enforceableSchema, MAX_INTEGER_RANGE_VALUES, toGrammarSchema } from './schema-support.js';

const P = 'response_format.json_schema.schema';
const refused = (re: RegExp) => (err: unknown) =>
  err instanceof ApiError && err.status === 400 && err.param === P && err.code === 'unsupported_schema' && re.test(err.message);

describe('toGrammarSchema', () => {
  test('a bounded integer becomes the enum of its values, exclusive bounds and multipleOf included', () => {
    assert.deepEqual(toGrammarSchema({ type: 'integer', minimum: 0, maximum: 9 }, P), { enum: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
    assert.deepEqual(toGrammarSchema({ type: 'integer', exclusiveMinimum: 0, exclusiveMaximum: 4, description: 'd' }, P), {
      description: 'd',
      enum: [1, 2, 3],
    });
    assert.deepEqual(toGrammarSchema({ type: 'integer', minimum: 1.5, maximum: 10, multipleOf: 3 }, P), { enum: [3, 6, 9] });
    // draft 4's boolean exclusives
    assert.deepEqual(toGrammarSchema({ type: 'integer', minimum: -2, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true }, P), { enum: [-1, 0] });
  });

  test('an open or too large integer range, and bounds on a number, are refused naming the keyword', () => {
    assert.throws(() => toGrammarSchema({ type: 'integer', minimum: 0 }, P), refused(/'response_format\.json_schema\.schema\.minimum': .*give 'maximum' too/));
    assert.throws(() => toGrammarSchema({ type: 'integer', minimum: 0, maximum: MAX_INTEGER_RANGE_VALUES }, P), refused(/has 257 integers/));
    assert.throws(
      () => toGrammarSchema({ type: 'object', properties: { t: { type: 'number', maximum: 1 } } }, P),
      refused(/schema\.properties\.t\.maximum': 'maximum' cannot be enforced on a number/),
    );
    assert.throws(() => toGrammarSchema({ type: 'integer', minimum: 5, maximum: 4 }, P), refused(/no integer satisfies/));
  });

  test('a string without maxLength gets the default; its own bounds stay', () => {
    assert.deepEqual(toGrammarSchema({ type: 'string' }, P), { type: 'string', maxLength: DEFAULT_STRING_MAX_LENGTH });
    assert.deepEqual(toGrammarSchema({ type: 'string', minLength: 2, maxLength: 3000 }, P), { type: 'string', minLength: 2, maxLength: 3000 });
    assert.deepEqual(toGrammarSchema({ type: 'string', format: 'date' }, P), { type: 'string', format: 'date' });
    assert.throws(() => toGrammarSchema({ type: 'string', format: 'email' }, P), refused(/schema\.format': 'format' "email" cannot be enforced/));
    assert.throws(() => toGrammarSchema({ type: 'string', pattern: '^a+$' }, P), refused(/schema\.pattern': 'pattern' cannot be enforced/));
  });

  test('anyOf, definitions, type lists, nullable and a lone allOf become what node-llama-cpp follows', () => {
    assert.deepEqual(toGrammarSchema({ anyOf: [{ type: 'boolean' }, { type: 'null' }] }, P), { oneOf: [{ type: 'boolean' }, { type: 'null' }] });
    assert.deepEqual(toGrammarSchema({ definitions: { b: { type: 'boolean' } }, $ref: '#/definitions/b' }, P), {
      $defs: { b: { type: 'boolean' } },
      $ref: '#/$defs/b',
    });
    assert.deepEqual(toGrammarSchema({ type: ['integer', 'null'], minimum: 1, maximum: 2 }, P), {
      oneOf: [{ enum: [1, 2] }, { type: 'null', minimum: 1, maximum: 2 }],
    });
    assert.deepEqual(toGrammarSchema({ type: 'boolean', nullable: true }, P), { oneOf: [{ type: 'boolean' }, { type: 'null' }] });
    assert.deepEqual(toGrammarSchema({ properties: { a: { allOf: [{ type: 'boolean' }] } } }, P), { type: 'object', properties: { a: { type: 'boolean' } } });
    assert.throws(() => toGrammarSchema({ $ref: 'https://example.com/s.json' }, P), refused(/schema\.\$ref': only references into/));
    assert.throws(() => toGrammarSchema({ allOf: [{ type: 'string' }, { maxLength: 3 }] }, P), refused(/schema\.allOf'/));
  });

  test('a required property missing from properties, not, if and uniqueItems are refused', () => {
    assert.throws(() => toGrammarSchema({ type: 'object', properties: {}, required: ['x'] }, P), refused(/"x" is required but not among/));
    assert.throws(() => toGrammarSchema({ not: { type: 'null' } }, P), refused(/schema\.not'/));
    assert.throws(() => toGrammarSchema({ type: 'array', items: { type: 'string', if: {} } }, P), refused(/schema\.items\.if'/));
    assert.throws(() => toGrammarSchema({ type: 'array', uniqueItems: true }, P), refused(/uniqueItems/));
  });

  test("every rewrite compiles with node-llama-cpp's generator, and its validator accepts in-range values only", async () => {
    const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error });
    const schema = enforceableSchema(
      {
        type: 'object',
        properties: { n: { type: 'integer', minimum: 0, maximum: 9 }, s: { type: 'string' }, o: { anyOf: [{ type: 'boolean' }, { type: 'null' }] } },
        required: ['n', 's', 'o'],
      },
      P,
    );
    const grammar = await llama.createGrammarForJsonSchema(schema as never);
    assert.match(grammar.grammar, new RegExp(`\\{0,${DEFAULT_STRING_MAX_LENGTH}\\}`));
    assert.deepEqual(grammar.parse('{"n": 7, "s": "x", "o": null}'), { n: 7, s: 'x', o: null });
    assert.throws(() => grammar.parse('{"n": 655, "s": "x", "o": null}'));
  });
});
