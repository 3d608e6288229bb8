/**
 * Bounds on the grammars a request may ask for (`grammar`, `json_schema`,
 * `response_format.json_schema`, `tools[].function.parameters`), checked on the request BEFORE
 * anything is compiled. See docs/openai-limits.md, "Grammars".
 *
 * Why before: llama.cpp compiles a grammar synchronously on the thread that asks, here the main
 * thread (node-llama-cpp parses it in `new LlamaGrammar` and again for each generation's
 * evaluation state, and accepts each sampled token into it there too; the native grammar
 * belongs to the engine's Llama instance, so it cannot be built in another thread and handed
 * over). Its parser recurses once per nested group: 20,000 nested groups overflow the stack and
 * kill the process with SIGSEGV. Its cost grows with the square of the alternatives open at a
 * position: 20,000 alternatives take ~0.9 s to compile, a 20,000-value enum stalls the event loop
 * for seconds while it generates. Within these bounds a grammar compiles in a few milliseconds.
 */
import { ApiError } from './errors.js';

export const GRAMMAR_LIMITS = Object.freeze({
  /** Characters of a GBNF grammar. */
  maxChars: 32 * 1024,
  /** Groups `( … )` inside one another (llama.cpp's parser recurses once per level). */
  maxDepth: 64,
  /** Groups in the whole grammar: each becomes a rule, and chains of rules are walked recursively. */
  maxGroups: 1024,
  /** `|` alternatives in the whole grammar (compile and sampling cost grow with their square). */
  maxAlternatives: 1024,
  /** Rule definitions (`name ::= …`). */
  maxRules: 1024,
});

export const SCHEMA_LIMITS = Object.freeze({
  /** Characters of the schema written as JSON (its strings and keys, and its structure). */
  maxChars: 32 * 1024,
  /** Objects and arrays inside one another. */
  maxDepth: 32,
  /** Values of every `enum`, and branches of every `anyOf` / `oneOf`, together (each becomes a grammar alternative). */
  maxAlternatives: 1024,
});

function refuse(param: string, what: string, limit: string): ApiError {
  return ApiError.refusal(`'${param}': ${what}, more than this server compiles (${limit}); simplify it`, param, 'grammar_too_large');
}

/** Where a GBNF grammar is over a bound; one linear pass over the text, as llama.cpp's parser reads it. */
export function checkGbnf(grammar: string, param: string): void {
  const L = GRAMMAR_LIMITS;
  if (grammar.length > L.maxChars) throw refuse(param, `the grammar is ${grammar.length} characters`, `at most ${L.maxChars} characters`);
  let depth = 0;
  let groups = 0;
  let alternatives = 0;
  let rules = 0;
  for (let i = 0; i < grammar.length; i++) {
    const c = grammar[i];
    if (c === '#') {
      // a comment, to the end of the line
      while (i < grammar.length && grammar[i] !== '\n' && grammar[i] !== '\r') i++;
    } else if (c === '"' || c === '[') {
      // a literal or a character class: skip to its unescaped end (an unterminated one is llama.cpp's error)
      const end = c === '"' ? '"' : ']';
      for (i++; i < grammar.length && grammar[i] !== end; i++) if (grammar[i] === '\\') i++;
    } else if (c === '(') {
      if (++groups > L.maxGroups) throw refuse(param, `the grammar has more than ${L.maxGroups} groups`, `at most ${L.maxGroups} groups`);
      if (++depth > L.maxDepth) throw refuse(param, `the grammar nests groups more than ${L.maxDepth} deep`, `at most ${L.maxDepth} nested groups`);
    } else if (c === ')') {
      depth = Math.max(0, depth - 1);
    } else if (c === '|') {
      if (++alternatives > L.maxAlternatives)
        throw refuse(param, `the grammar has more than ${L.maxAlternatives} alternatives`, `at most ${L.maxAlternatives} '|'`);
    } else if (c === ':' && grammar.startsWith('::=', i)) {
      if (++rules > L.maxRules) throw refuse(param, `the grammar has more than ${L.maxRules} rules`, `at most ${L.maxRules} rules`);
      i += 2;
    }
  }
}

/**
 * Where a JSON schema is over a bound, before node-llama-cpp turns it into a grammar. The walk
 * is iterative and stops at the first bound passed, so a huge schema costs no more than the bound.
 */
export function checkJsonSchema(schema: unknown, param: string): void {
  const L = SCHEMA_LIMITS;
  let chars = 0;
  let alternatives = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value: schema, depth: 1 }];
  const tooLong = () => refuse(param, `the schema is more than ${L.maxChars} characters as JSON`, `at most ${L.maxChars} characters`);
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (typeof value === 'string') chars += value.length + 2;
    else if (value === null || typeof value !== 'object') chars += String(value).length;
    else {
      if (depth > L.maxDepth) throw refuse(param, `the schema nests objects and arrays more than ${L.maxDepth} deep`, `at most ${L.maxDepth} levels`);
      const entries = Array.isArray(value) ? value.map((v) => ['', v] as const) : Object.entries(value as Record<string, unknown>);
      chars += 2 + entries.length;
      if (chars > L.maxChars) throw tooLong();
      for (const [key, child] of entries) {
        chars += key.length + 3;
        if ((key === 'enum' || key === 'anyOf' || key === 'oneOf') && Array.isArray(child)) {
          alternatives += child.length;
          if (alternatives > L.maxAlternatives)
            throw refuse(param, `the schema's enum values and anyOf/oneOf branches are more than ${L.maxAlternatives}`, `at most ${L.maxAlternatives} in all`);
        }
        stack.push({ value: child, depth: depth + 1 });
      }
    }
    if (chars > L.maxChars) throw tooLong();
  }
}
