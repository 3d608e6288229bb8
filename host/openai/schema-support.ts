/**
 * A request's JSON schema (`response_format.json_schema.schema`, llama-server's `json_schema`,
 * `tools[].function.parameters`) made into the schema node-llama-cpp 3.22's grammar generator
 * enforces, or refused with a 400 naming the keyword it cannot enforce. See docs/openai-api.md,
 * "JSON schemas".
 *
 * node-llama-cpp honours `type` (one or a list), `enum`, `const`, `oneOf`, `$ref` into `$defs`,
 * `properties`, `additionalProperties`, `minProperties`/`maxProperties`, `items`, `prefixItems`,
 * `minItems`/`maxItems`, `minLength`/`maxLength` and `format` date, time and date-time. It
 * ignores the rest without a word: an integer's `minimum`/`maximum` gave 655 for a maximum of 9,
 * `anyOf` gave `null`, a `format` it lacks gave `""`. So the schema is rewritten here into what it
 * honours where that keeps the meaning (a bounded integer becomes the `enum` of its values, `anyOf`
 * becomes `oneOf`, `#/definitions/` refs become `#/$defs/`, a list of types becomes a `oneOf` of
 * one type each), and refused where it does not.
 *
 * A string with no `maxLength` gets DEFAULT_STRING_MAX_LENGTH: under a grammar the closing quote
 * is one token among tens of thousands, and a model that does not favour it (the generated test
 * models have random weights) writes until `max_tokens`, so the client got `Unterminated string`.
 */
import { ApiError } from './errors.js';
import { checkJsonSchema } from './grammar-limits.js';
import { isJsonObject } from './request.js';

/** The `maxLength` given to a string schema that has none (characters). */
export const DEFAULT_STRING_MAX_LENGTH = 256;
/** The most values a bounded integer may have: each becomes an alternative of the grammar. */
export const MAX_INTEGER_RANGE_VALUES = 256;

type Schema = Record<string, unknown>;

/** Keywords that only describe: kept, and without effect on the output. */
const ANNOTATIONS = new Set([
  'title', 'description', 'default', 'examples', '$schema', '$id', '$comment', '$anchor', 'deprecated', 'readOnly',
  'writeOnly', 'contentMediaType', 'contentEncoding', 'strict',
]); // prettier-ignore

/** Keywords no grammar made here can enforce. */
const REFUSED: Readonly<Record<string, string>> = {
  pattern: 'regular expressions are not turned into grammars; use enum or maxLength',
  patternProperties: 'use properties',
  propertyNames: 'use properties',
  not: 'use enum, oneOf or type',
  if: 'use oneOf',
  then: 'use oneOf',
  else: 'use oneOf',
  dependentRequired: 'list the properties in required',
  dependentSchemas: 'use oneOf',
  dependencies: 'use oneOf',
  contains: 'use items or prefixItems',
  minContains: 'use items or prefixItems',
  maxContains: 'use items or prefixItems',
  unevaluatedProperties: 'use additionalProperties',
  unevaluatedItems: 'use items',
  $dynamicRef: 'use $ref into $defs',
  $recursiveRef: 'use $ref into $defs',
};

const FORMATS = new Set(['date', 'time', 'date-time']);
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);

class Walk {
  constructor(readonly param: string) {}

  refuse(path: string, message: string): ApiError {
    return ApiError.badRequest(`'${path}': ${message}`, this.param, 'unsupported_schema');
  }

  node(value: unknown, path: string): Schema {
    if (value === true) return {};
    if (!isJsonObject(value)) throw this.refuse(path, 'expected a schema object');
    const s: Schema = { ...value };
    for (const key of Object.keys(s)) {
      const why = REFUSED[key];
      if (why !== undefined && !(key === 'dependencies' && isJsonObject(s[key]) && Object.keys(s[key]).length === 0))
        throw this.refuse(`${path}.${key}`, `'${key}' cannot be enforced on the generated output (${why})`);
    }
    if (s.uniqueItems === true) throw this.refuse(`${path}.uniqueItems`, "'uniqueItems' cannot be enforced on the generated output");
    delete s.uniqueItems;

    if (s.definitions !== undefined) {
      if (s.$defs !== undefined) throw this.refuse(`${path}.definitions`, "give 'definitions' or '$defs', not both");
      s.$defs = s.definitions;
      delete s.definitions;
    }
    if (s.$defs !== undefined) s.$defs = this.defs(s.$defs, `${path}.$defs`);
    if (s.$ref !== undefined) return this.ref(s, path);
    if (s.anyOf !== undefined) {
      if (s.oneOf !== undefined) throw this.refuse(`${path}.anyOf`, "give 'anyOf' or 'oneOf', not both");
      s.oneOf = s.anyOf; // a value matching one branch matches anyOf
      delete s.anyOf;
    }
    if (s.allOf !== undefined) return this.allOf(s, path);
    if (s.nullable === true) s.type = [...typeList(s.type, path, this), 'null'];
    delete s.nullable;
    if (s.oneOf !== undefined) return this.oneOf(s, path);
    if (s.const !== undefined || s.enum !== undefined) return s; // node-llama-cpp writes one of the values

    if (s.type === undefined) {
      if (s.properties !== undefined || s.additionalProperties !== undefined || s.required !== undefined) s.type = 'object';
      else if (s.items !== undefined || s.prefixItems !== undefined) s.type = 'array';
    }
    if (Array.isArray(s.type)) {
      const types = typeList(s.type, path, this);
      if (types.length === 1) s.type = types[0];
      else return this.node({ ...annotations(s), oneOf: types.map((type) => ({ ...s, type })) }, path);
    }
    if (s.type !== undefined && (typeof s.type !== 'string' || !TYPES.has(s.type)))
      throw this.refuse(`${path}.type`, `expected one of ${[...TYPES].join(', ')}, got ${JSON.stringify(s.type)}`);

    // keywords of another type apply to no value of this one (JSON Schema), so they are left as they are
    switch (s.type) {
      case 'string':
        return this.string(s, path);
      case 'integer':
        return this.integer(s, path);
      case 'number':
        this.noNumberBounds(s, path);
        return s;
      case 'object':
        return this.object(s, path);
      case 'array':
        return this.array(s, path);
      default:
        return s;
    }
  }

  defs(value: unknown, path: string): Schema {
    if (!isJsonObject(value)) throw this.refuse(path, 'expected an object of named schemas');
    return Object.fromEntries(Object.entries(value).map(([name, def]) => [name, this.node(def, `${path}.${name}`)]));
  }

  ref(s: Schema, path: string): Schema {
    if (typeof s.$ref !== 'string') throw this.refuse(`${path}.$ref`, 'expected a string');
    const m = /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(s.$ref);
    if (!m) throw this.refuse(`${path}.$ref`, `only references into the schema's own $defs ("#/$defs/name") are followed, got ${JSON.stringify(s.$ref)}`);
    // node-llama-cpp follows $ref and ignores every sibling keyword but $defs
    return { ...annotations(s), ...(s.$defs !== undefined ? { $defs: s.$defs } : {}), $ref: `#/$defs/${m[1]}` };
  }

  allOf(s: Schema, path: string): Schema {
    const parts = s.allOf;
    if (!Array.isArray(parts)) throw this.refuse(`${path}.allOf`, 'expected a list of schemas');
    const rest = Object.keys(s).filter((k) => k !== 'allOf' && k !== '$defs' && !ANNOTATIONS.has(k));
    if (parts.length !== 1 || rest.length > 0)
      throw this.refuse(`${path}.allOf`, "'allOf' is enforced only as a single schema with nothing beside it; merge its schemas into one");
    const { allOf: _, ...outer } = s;
    void _;
    const inner = this.node(parts[0], `${path}.allOf[0]`);
    return {
      ...outer,
      ...inner,
      ...(outer.$defs !== undefined && inner.$defs !== undefined ? { $defs: { ...(outer.$defs as Schema), ...(inner.$defs as Schema) } } : {}),
    };
  }

  oneOf(s: Schema, path: string): Schema {
    if (!Array.isArray(s.oneOf) || s.oneOf.length === 0) throw this.refuse(`${path}.oneOf`, 'expected a non-empty list of schemas');
    // node-llama-cpp uses oneOf alone: a type or bounds beside it would be ignored
    const rest = Object.keys(s).filter((k) => k !== 'oneOf' && k !== '$defs' && k !== 'type' && !ANNOTATIONS.has(k));
    if (rest.length > 0) throw this.refuse(`${path}.${rest[0]}`, `'${rest[0]}' beside oneOf/anyOf is not enforced; move it into each branch`);
    const branches = s.oneOf.map((b, i) => this.node(b, `${path}.oneOf[${i}]`));
    const { type: _, ...kept } = s;
    void _;
    return { ...kept, oneOf: branches };
  }

  string(s: Schema, path: string): Schema {
    if (s.format !== undefined) {
      if (typeof s.format !== 'string' || !FORMATS.has(s.format))
        throw this.refuse(`${path}.format`, `'format' ${JSON.stringify(s.format)} cannot be enforced; the grammar knows ${[...FORMATS].join(', ')}`);
      return s;
    }
    const min = this.count(s, 'minLength', path) ?? 0;
    const max = this.count(s, 'maxLength', path);
    if (max !== undefined && max < min) throw this.refuse(`${path}.maxLength`, `maxLength ${max} is below minLength ${min}`);
    if (max === undefined) s.maxLength = Math.max(min, DEFAULT_STRING_MAX_LENGTH);
    return s;
  }

  integer(s: Schema, path: string): Schema {
    const bound = (key: string): number | undefined => {
      const v = s[key];
      if (v === undefined || typeof v === 'boolean') return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw this.refuse(`${path}.${key}`, 'expected a number');
      return v;
    };
    let lo = -Infinity;
    let hi = Infinity;
    const minimum = bound('minimum');
    const maximum = bound('maximum');
    const exMin = bound('exclusiveMinimum');
    const exMax = bound('exclusiveMaximum');
    // draft 4 wrote exclusiveMinimum/exclusiveMaximum as booleans on minimum/maximum
    if (minimum !== undefined) lo = s.exclusiveMinimum === true ? Math.floor(minimum) + 1 : Math.ceil(minimum);
    if (maximum !== undefined) hi = s.exclusiveMaximum === true ? Math.ceil(maximum) - 1 : Math.floor(maximum);
    if (exMin !== undefined) lo = Math.max(lo, Math.floor(exMin) + 1);
    if (exMax !== undefined) hi = Math.min(hi, Math.ceil(exMax) - 1);
    const step = bound('multipleOf');
    if (step !== undefined && !(step > 0 && Number.isInteger(step))) throw this.refuse(`${path}.multipleOf`, 'expected a positive integer');
    const keys = ['minimum', 'exclusiveMinimum', 'maximum', 'exclusiveMaximum', 'multipleOf'].filter((k) => s[k] !== undefined);
    if (keys.length === 0) return s;
    if (lo === -Infinity || hi === Infinity) {
      const missing = lo === -Infinity ? 'minimum' : 'maximum';
      throw this.refuse(
        `${path}.${keys[0]}`,
        `'${keys[0]}' is enforced only on a closed range: give '${missing}' too (at most ${MAX_INTEGER_RANGE_VALUES} values), or an enum`,
      );
    }
    const first = step === undefined ? lo : Math.ceil(lo / step) * step;
    const by = step ?? 1;
    if (first > hi) throw this.refuse(`${path}.${keys[0]}`, `no integer satisfies the bounds [${lo}, ${hi}]${step ? ` and multipleOf ${step}` : ''}`);
    const count = Math.floor((hi - first) / by) + 1;
    if (count > MAX_INTEGER_RANGE_VALUES)
      throw this.refuse(
        `${path}.${keys[0]}`,
        `the range [${lo}, ${hi}] has ${count} integers; at most ${MAX_INTEGER_RANGE_VALUES} are enforced (each is a grammar alternative)`,
      );
    const values = Array.from({ length: count }, (_, i) => first + i * by);
    return { ...annotations(s), enum: values };
  }

  object(s: Schema, path: string): Schema {
    const props = s.properties ?? {};
    if (!isJsonObject(props)) throw this.refuse(`${path}.properties`, 'expected an object of schemas');
    if (s.properties !== undefined) s.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, this.node(v, `${path}.properties.${k}`)]));
    if (s.additionalProperties !== undefined && typeof s.additionalProperties !== 'boolean')
      s.additionalProperties = this.node(s.additionalProperties, `${path}.additionalProperties`);
    if (s.required !== undefined) {
      if (!Array.isArray(s.required)) throw this.refuse(`${path}.required`, 'expected a list of property names');
      // node-llama-cpp writes every listed property; one that is required but not listed never appears
      const unknown = s.required.find((k) => typeof k !== 'string' || !(k in props));
      if (unknown !== undefined) throw this.refuse(`${path}.required`, `${JSON.stringify(unknown)} is required but not among 'properties'`);
    }
    this.count(s, 'minProperties', path);
    this.count(s, 'maxProperties', path);
    return s;
  }

  array(s: Schema, path: string): Schema {
    if (Array.isArray(s.items)) {
      // draft 4's tuple form
      if (s.prefixItems !== undefined) throw this.refuse(`${path}.items`, "give a tuple in 'prefixItems' or 'items', not both");
      s.prefixItems = s.items;
      if (s.additionalItems === false) s.maxItems = s.items.length;
      else if (s.additionalItems !== undefined && s.additionalItems !== true) s.items = s.additionalItems;
      if (Array.isArray(s.items)) delete s.items;
    }
    delete s.additionalItems;
    if (s.prefixItems !== undefined) {
      if (!Array.isArray(s.prefixItems)) throw this.refuse(`${path}.prefixItems`, 'expected a list of schemas');
      s.prefixItems = s.prefixItems.map((v, i) => this.node(v, `${path}.prefixItems[${i}]`));
    }
    if (s.items === false) {
      delete s.items;
      s.maxItems = Array.isArray(s.prefixItems) ? s.prefixItems.length : 0;
    } else if (s.items !== undefined && s.items !== true) s.items = this.node(s.items, `${path}.items`);
    else if (s.items === true) delete s.items;
    const min = this.count(s, 'minItems', path) ?? 0;
    const max = this.count(s, 'maxItems', path);
    if (max !== undefined && max < min) throw this.refuse(`${path}.maxItems`, `maxItems ${max} is below minItems ${min}`);
    return s;
  }

  /** A non-negative integer keyword, or undefined. */
  count(s: Schema, key: string, path: string): number | undefined {
    const v = s[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw this.refuse(`${path}.${key}`, 'expected a non-negative integer');
    return v;
  }

  noNumberBounds(s: Schema, path: string): void {
    for (const key of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'])
      if (s[key] !== undefined)
        throw this.refuse(`${path}.${key}`, `'${key}' cannot be enforced on a number; bounds are enforced on integers ("type": "integer"), or give an enum`);
  }
}

function typeList(type: unknown, path: string, walk: Walk): string[] {
  if (type === undefined) return [];
  const list = Array.isArray(type) ? type : [type];
  if (list.length === 0 || list.some((t) => typeof t !== 'string' || !TYPES.has(t)))
    throw walk.refuse(`${path}.type`, `expected one of ${[...TYPES].join(', ')} or a list of them, got ${JSON.stringify(type)}`);
  return [...new Set(list as string[])];
}

function annotations(s: Schema): Schema {
  return Object.fromEntries(Object.entries(s).filter(([k]) => ANNOTATIONS.has(k)));
}

/** The schema node-llama-cpp enforces as the request meant it; a 400 naming the keyword it cannot. */
export function toGrammarSchema(schema: Readonly<Record<string, unknown>>, param: string): Record<string, unknown> {
  return new Walk(param).node(schema, param);
}

/** A schema within the size bounds, rewritten into what the grammar enforces, and bounded again (grammar-limits.ts). */
export function enforceableSchema(schema: Readonly<Record<string, unknown>>, param: string): Record<string, unknown> {
  checkJsonSchema(schema, param);
  const enforced = toGrammarSchema(schema, param);
  checkJsonSchema(enforced, param);
  return enforced;
}
