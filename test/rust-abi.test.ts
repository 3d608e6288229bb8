/**
 * Canonical-ABI round trips for the Rust guests (guest-examples/rust*), with no
 * spin-ts host: each component is transpiled by jco (instantiation: 'sync') and
 * instantiated with plain JS import objects. The test-only guest
 * `rust-abi-probe` (guest-examples/rust/abi-probe) reports exactly what it
 * lifted, so every lift and lower path of the SDK is checked in both directions:
 *
 *   export handle-request: request record (enum, strings, list<tuple<string,string>>,
 *     option<list<u8>>) lifted by the guest; response record (u16,
 *     option<list<tuple>>, option<list<u8>>) lowered into a return area.
 *   import llm.infer: strings + option<record with f32 fields> lowered flat
 *     (12 core params); result<record, variant> lifted from a return area.
 *   import llm.generate-embeddings: list<string> lowered; result<record with
 *     list<list<f32>>, variant> lifted.
 *   import variables.get: result<string, variant (all payload cases)>.
 *
 * The guests are built by scripts/build-rust-guests.mjs (a no-op when up to date).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

// ---------------------------------------------------------------------------
// Types of jco's generated glue (what the host sees)
// ---------------------------------------------------------------------------

type Method = 'get' | 'post' | 'put' | 'delete' | 'patch' | 'head' | 'options';

/** `fermyon:spin/http-types.request` as jco 1.15.4 expects it. */
interface WitRequest {
  method: Method;
  uri: string;
  headers: [string, string][];
  params: [string, string][];
  /** `undefined`/`null` = none; must be a Uint8Array (Buffer is fine). */
  body?: Uint8Array | null;
}

/** `fermyon:spin/http-types.response` as jco 1.15.4 returns it. */
interface WitResponse {
  status: number;
  headers: [string, string][] | undefined;
  body: Uint8Array | undefined;
}

interface InferencingParams {
  maxTokens: number;
  repeatPenalty: number;
  repeatPenaltyLastNTokenCount: number;
  temperature: number;
  topK: number;
  topP: number;
}

type LlmError = { tag: 'model-not-supported' } | { tag: 'runtime-error'; val: string } | { tag: 'invalid-input'; val: string };
type VariablesError =
  { tag: 'invalid-name'; val: string } | { tag: 'undefined'; val: string } | { tag: 'provider'; val: string } | { tag: 'other'; val: string };

interface Guest {
  handleRequest(req: WitRequest): WitResponse;
}

type Instantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, object>,
) => { inboundHttp: Guest; 'fermyon:spin/inbound-http': Guest };

interface Transpiled {
  instantiate: Instantiate;
  modules: Map<string, WebAssembly.Module>;
  imports: string[];
  exports: [string, string][];
}

// ---------------------------------------------------------------------------
// Building, transpiling and instantiating
// ---------------------------------------------------------------------------

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'spin-ts') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the spin-ts package root');
    dir = parent;
  }
}

const ROOT = findRoot();
const GUESTS = {
  'rust-hello': 'guest-examples/rust-hello/dist/rust-hello.wasm',
  'rust-llm': 'guest-examples/rust-llm/dist/rust-llm.wasm',
  'rust-trap': 'guest-examples/rust-trap/dist/rust-trap.wasm',
  'rust-abi-probe': 'guest-examples/rust/abi-probe/dist/rust-abi-probe.wasm',
} as const;
type GuestName = keyof typeof GUESTS;

const RUSTC = '/usr/bin/rustc';
const allBuilt = () => Object.values(GUESTS).every((p) => existsSync(join(ROOT, p)));
/** Set when the guests can be neither found nor built here. */
const SKIP = !existsSync(RUSTC) && !allBuilt() ? `Rust guests not built and ${RUSTC} missing (apt-get install -y rustc libstd-rust-dev-wasm32)` : false;

let workDir = '';
const transpiled = new Map<GuestName, Transpiled>();

before(async () => {
  if (SKIP) return;
  // Builds what is missing or stale; prints "up to date" otherwise.
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build-rust-guests.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(build.status, 0, `build-rust-guests failed:\n${build.stdout}\n${build.stderr}`);

  workDir = mkdtempSync(join(tmpdir(), 'spin-ts-rust-abi-'));
  const { transpile } = (await import('@bytecodealliance/jco')) as unknown as {
    transpile(
      bytes: Uint8Array,
      opts: Record<string, unknown>,
    ): Promise<{ files: Record<string, Uint8Array<ArrayBuffer>>; imports: string[]; exports: [string, string][] }>;
  };
  for (const [name, rel] of Object.entries(GUESTS) as [GuestName, string][]) {
    const out = await transpile(readFileSync(join(ROOT, rel)), { name, instantiation: 'sync', typescript: false });
    const dir = join(workDir, name);
    mkdirSync(dir);
    const modules = new Map<string, WebAssembly.Module>();
    for (const [file, bytes] of Object.entries(out.files)) {
      writeFileSync(join(dir, file), bytes);
      if (file.endsWith('.wasm')) modules.set(file, new WebAssembly.Module(bytes));
    }
    const mod = (await import(pathToFileURL(join(dir, `${name}.js`)).href)) as { instantiate: Instantiate };
    transpiled.set(name, { instantiate: mod.instantiate, modules, imports: out.imports, exports: out.exports });
  }
});

after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** A fake host: records every import call and answers with replaceable handlers. */
class MockHost {
  calls: { fn: string; args: unknown[] }[] = [];
  infer: (model: string, prompt: string, params: InferencingParams | undefined) => unknown = () => ({
    text: '',
    usage: { promptTokenCount: 0, generatedTokenCount: 0 },
  });
  generateEmbeddings: (model: string, text: string[]) => unknown = () => ({
    embeddings: [],
    usage: { promptTokenCount: 0 },
  });
  get: (name: string) => unknown = () => '';

  /** The import object, in exactly the shape jco 1.15.4's glue destructures. */
  imports(): Record<string, object> {
    return {
      'fermyon:spin/llm': {
        infer: (model: string, prompt: string, params: InferencingParams | undefined) => {
          this.calls.push({ fn: 'infer', args: [model, prompt, params] });
          return this.infer(model, prompt, params);
        },
        generateEmbeddings: (model: string, text: string[]) => {
          this.calls.push({ fn: 'generateEmbeddings', args: [model, text] });
          return this.generateEmbeddings(model, text);
        },
      },
      'fermyon:spin/variables': {
        get: (name: string) => {
          this.calls.push({ fn: 'get', args: [name] });
          return this.get(name);
        },
      },
    };
  }
}

function instantiate(name: GuestName, host: MockHost): Guest {
  const t = transpiled.get(name);
  assert.ok(t, `${name} was not transpiled`);
  const exports = t.instantiate((file) => {
    const m = t.modules.get(file);
    assert.ok(m, `jco asked for unknown core module ${file}`);
    return m;
  }, host.imports());
  assert.equal(exports['fermyon:spin/inbound-http'], exports.inboundHttp);
  return exports.inboundHttp;
}

function request(uri: string, init: Partial<WitRequest> = {}): WitRequest {
  return { method: 'post', uri, headers: [], params: [], body: undefined, ...init };
}

const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('utf8'));
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const json = (res: WitResponse): any => JSON.parse(text(res.body) ?? 'null');
const f32bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0]!;
const hex = (x: number) => f32bits(x).toString(16);
const bitsOf = (v: Float32Array) => Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));

/** A thrown `result` error: jco uses an own `payload` property as the `err` value. */
function resultError<E>(payload: E): Error & { payload: E } {
  return Object.assign(new Error(`result error: ${JSON.stringify(payload)}`), { payload });
}

// Strings that stress UTF-8 lowering/lifting: 1-, 2-, 3- and 4-byte sequences.
const UTF8 = ['', 'a', 'ü', 'ß€', '日本語', '🦙', 'mixed: aü€🦙 end', '\u0000nul\u0000', '"quotes" \\ back\nslash\ttab'];

// ---------------------------------------------------------------------------
// The component surface
// ---------------------------------------------------------------------------

describe('rust guests: component surface', { skip: SKIP }, () => {
  test('imports only what each guest uses (jco keys drop the @2.0.0 version)', () => {
    assert.deepEqual(transpiled.get('rust-hello')!.imports, []);
    assert.deepEqual(transpiled.get('rust-trap')!.imports, []);
    for (const g of ['rust-llm', 'rust-abi-probe'] as const) {
      assert.deepEqual([...transpiled.get(g)!.imports].sort(), ['fermyon:spin/llm', 'fermyon:spin/variables']);
    }
  });

  test('exports fermyon:spin/inbound-http (as inboundHttp)', () => {
    for (const g of Object.keys(GUESTS) as GuestName[]) {
      const names = transpiled
        .get(g)!
        .exports.map(([n]) => n)
        .sort();
      assert.deepEqual(names, ['fermyon:spin/inbound-http', 'inboundHttp']);
    }
  });
});

// ---------------------------------------------------------------------------
// Export: request lifting and response lowering (rust-abi-probe /echo)
// ---------------------------------------------------------------------------

describe('rust-abi-probe: handle-request lift/lower', { skip: SKIP }, () => {
  let guest: Guest;
  before(() => {
    guest = instantiate('rust-abi-probe', new MockHost());
  });

  /** The request as the guest lifted it (the JSON in its x-echo header). */
  const echoed = (res: WitResponse) => {
    assert.ok(res.headers, 'echo response has headers');
    assert.equal(res.headers[0]![0], 'x-echo');
    return JSON.parse(res.headers[0]![1]) as {
      method: string;
      uri: string;
      path: string;
      headers: [string, string][];
      params: [string, string][];
      body: number | null;
    };
  };

  test('every method enum case', () => {
    for (const m of ['get', 'post', 'put', 'delete', 'patch', 'head', 'options'] as const) {
      const res = guest.handleRequest(request('/echo', { method: m }));
      assert.equal(echoed(res).method, m.toUpperCase());
    }
  });

  test('an invalid method is rejected by the glue before the guest runs', () => {
    assert.throws(() => guest.handleRequest(request('/echo', { method: 'trace' as Method })), TypeError);
    assert.equal(guest.handleRequest(request('/echo')).status, 200);
  });

  test('UTF-8 uri, headers, params and body round-trip exactly', () => {
    const headers = UTF8.map((s, i) => [`x-${i}${s}`, s] as [string, string]);
    headers.push(['', ''], ['content-type', 'text/plain; charset=utf-8']);
    const params = UTF8.map((s, i) => [s, `${i}:${s}`] as [string, string]);
    const uri = '/echo?q=🦙&r=日本語&s=%20';
    const body = bytes(UTF8.join('|'));
    const res = guest.handleRequest(request(uri, { headers, params, body }));
    const got = echoed(res);
    assert.equal(got.uri, uri);
    assert.equal(got.path, '/echo');
    assert.deepEqual(got.headers, headers);
    assert.deepEqual(got.params, params);
    assert.equal(got.body, body.length);
    // response lowering: option<headers> some, in order, then option<body> some.
    assert.equal(res.status, 200);
    assert.deepEqual(res.headers!.slice(1), headers);
    assert.ok(res.body instanceof Uint8Array);
    assert.deepEqual(res.body, body);
  });

  test('a full URL as uri', () => {
    const got = echoed(guest.handleRequest(request('http://127.0.0.1:3000/a/b/echo?x=1#frag')));
    assert.equal(got.uri, 'http://127.0.0.1:3000/a/b/echo?x=1#frag');
    assert.equal(got.path, '/a/b/echo');
  });

  test('body none, empty body and empty lists', () => {
    let res = guest.handleRequest(request('/echo', { body: undefined }));
    assert.equal(echoed(res).body, null);
    assert.equal(res.body, undefined, 'option<body> none lowers to undefined');

    res = guest.handleRequest(request('/echo', { body: null }));
    assert.equal(echoed(res).body, null, 'null is none too');

    res = guest.handleRequest(request('/echo', { body: new Uint8Array(0) }));
    assert.equal(echoed(res).body, 0, 'some(empty) stays some');
    assert.ok(res.body instanceof Uint8Array);
    assert.equal(res.body.length, 0);

    const got = echoed(res);
    assert.deepEqual(got.headers, []);
    assert.deepEqual(got.params, []);
    assert.deepEqual(res.headers, [['x-echo', res.headers![0]![1]]]);
  });

  test('headers none and status u16 range', () => {
    const res = guest.handleRequest(
      request('/echo', {
        headers: [
          ['x-no-headers', '1'],
          ['x-status', '65535'],
        ],
        body: bytes('b'),
      }),
    );
    assert.equal(res.status, 65535);
    assert.equal(res.headers, undefined, 'option<headers> none lowers to undefined');
    assert.equal(text(res.body), 'b');

    for (const status of [0, 100, 204, 404, 500, 599]) {
      assert.equal(guest.handleRequest(request('/echo', { headers: [['x-status', String(status)]] })).status, status);
    }
  });

  test('a bare response: status only, headers none, body none', () => {
    assert.deepEqual(guest.handleRequest(request('/bare')), { status: 204, headers: undefined, body: undefined });
  });

  test('a 1 MiB binary body (not UTF-8) round-trips byte for byte', () => {
    const body = randomBytes(1024 * 1024);
    body[0] = 0xff; // invalid UTF-8 on purpose: list<u8> is not a string
    const res = guest.handleRequest(request('/echo', { body }));
    assert.equal(echoed(res).body, body.length);
    assert.ok(Buffer.from(res.body!).equals(body));
  });

  test('a Uint8Array view with a byteOffset is lowered from its offset', () => {
    const backing = bytes('0123456789');
    const res = guest.handleRequest(request('/echo', { body: backing.subarray(3, 7) }));
    assert.equal(text(res.body), '3456');
  });

  test('2000 headers and 500 params keep their order and content', () => {
    const headers = Array.from({ length: 2000 }, (_, i) => [`x-h-${i}`, `${'v'.repeat(i % 50)}${i % 7 === 0 ? '🦙' : ''}${i}`] as [string, string]);
    const params = Array.from({ length: 500 }, (_, i) => [`p${i}`, `${i}`] as [string, string]);
    const res = guest.handleRequest(request('/echo', { headers, params }));
    const got = echoed(res);
    assert.deepEqual(got.headers, headers);
    assert.deepEqual(got.params, params);
    assert.equal(res.headers!.length, 2001);
    assert.deepEqual(res.headers!.slice(1), headers);
  });

  test('a panic traps (WebAssembly.RuntimeError)', () => {
    const g = instantiate('rust-abi-probe', new MockHost());
    assert.throws(() => g.handleRequest(request('/panic')), WebAssembly.RuntimeError);
  });
});

// ---------------------------------------------------------------------------
// Imports: llm.infer
// ---------------------------------------------------------------------------

describe('rust-abi-probe: llm.infer lower/lift', { skip: SKIP }, () => {
  let host: MockHost;
  let guest: Guest;
  before(() => {
    host = new MockHost();
    guest = instantiate('rust-abi-probe', host);
  });
  const infer = (headers: [string, string][], prompt: string) => json(guest.handleRequest(request('/infer', { headers, body: bytes(prompt) })));

  test('strings lower exactly; params none is undefined; ok result lifts', () => {
    for (const s of UTF8) {
      host.calls = [];
      host.infer = (model, prompt) => ({
        text: `${model}|${prompt}|${s}`,
        usage: { promptTokenCount: 4294967295, generatedTokenCount: s.length },
      });
      const out = infer([['x-model', s]], `prompt ${s}`);
      assert.deepEqual(host.calls, [{ fn: 'infer', args: [s, `prompt ${s}`, undefined] }]);
      assert.deepEqual(out, {
        ok: { text: `${s}|prompt ${s}|${s}`, prompt_token_count: 4294967295, generated_token_count: s.length },
      });
    }
  });

  test('empty model, prompt and text', () => {
    host.calls = [];
    host.infer = () => ({ text: '', usage: { promptTokenCount: 0, generatedTokenCount: 0 } });
    assert.deepEqual(infer([], ''), { ok: { text: '', prompt_token_count: 0, generated_token_count: 0 } });
    assert.deepEqual(host.calls[0]!.args, ['', '', undefined]);
  });

  test('option<inferencing-params> some: u32 and exact f32 fields', () => {
    const cases = [
      { maxTokens: 100, repeatPenalty: 1.1, lastN: 64, temperature: 0.8, topK: 40, topP: 0.9 },
      { maxTokens: 0, repeatPenalty: 0, lastN: 0, temperature: -0, topK: 0, topP: 1 },
      {
        maxTokens: 4294967295,
        repeatPenalty: 3.4028234663852886e38, // f32::MAX
        lastN: 2147483648,
        temperature: 1.401298464324817e-45, // smallest subnormal
        topK: 1,
        topP: Infinity,
      },
      { maxTokens: 7, repeatPenalty: -Infinity, lastN: 3, temperature: 1 / 3, topK: 123456, topP: Math.PI },
    ];
    for (const c of cases) {
      host.calls = [];
      host.infer = () => ({ text: 'x', usage: { promptTokenCount: 1, generatedTokenCount: 2 } });
      const header = [c.maxTokens, hex(c.repeatPenalty), c.lastN, hex(c.temperature), c.topK, hex(c.topP)].join(',');
      infer([['x-params', header]], 'p');
      const params = host.calls[0]!.args[2] as InferencingParams;
      assert.deepEqual(params, {
        maxTokens: c.maxTokens,
        repeatPenalty: Math.fround(c.repeatPenalty),
        repeatPenaltyLastNTokenCount: c.lastN,
        temperature: Math.fround(c.temperature),
        topK: c.topK,
        topP: Math.fround(c.topP),
      });
      // bit-exact, including the sign of zero
      assert.equal(f32bits(params.temperature), f32bits(c.temperature));
    }
  });

  test('every error variant case lifts (thrown { payload })', () => {
    const errors: [LlmError, unknown][] = [
      [{ tag: 'model-not-supported' }, { err: { tag: 'model-not-supported' } }],
      [{ tag: 'runtime-error', val: 'boom 🦙' }, { err: { tag: 'runtime-error', val: 'boom 🦙' } }],
      [{ tag: 'runtime-error', val: '' }, { err: { tag: 'runtime-error', val: '' } }],
      [{ tag: 'invalid-input', val: 'too long: 日本語' }, { err: { tag: 'invalid-input', val: 'too long: 日本語' } }],
    ];
    for (const [payload, expected] of errors) {
      host.infer = () => {
        throw resultError(payload);
      };
      assert.deepEqual(infer([['x-model', 'm']], 'p'), expected);
    }
  });

  test('a thrown non-Error value is the err payload itself', () => {
    host.infer = () => {
      throw { tag: 'invalid-input', val: 'plain object' };
    };
    assert.deepEqual(infer([], 'p'), { err: { tag: 'invalid-input', val: 'plain object' } });
  });

  test('a thrown Error without payload escapes handleRequest', () => {
    const g = instantiate(
      'rust-abi-probe',
      Object.assign(new MockHost(), {
        infer: () => {
          throw new RangeError('host bug');
        },
      }),
    );
    assert.throws(() => g.handleRequest(request('/infer', { body: bytes('p') })), RangeError);
  });

  test('100 calls in one request agree (return areas and ownership are sound)', () => {
    host.infer = (model, prompt) => ({
      text: `${prompt}`.repeat(100),
      usage: { promptTokenCount: prompt.length, generatedTokenCount: 100 },
    });
    host.calls = [];
    const out = infer(
      [
        ['x-repeat', '100'],
        ['x-model', 'llama2-chat'],
      ],
      'ab🦙',
    );
    assert.equal(host.calls.length, 100);
    assert.deepEqual(out, {
      ok: { text: 'ab🦙'.repeat(100), prompt_token_count: 4, generated_token_count: 100 },
    });
  });
});

// ---------------------------------------------------------------------------
// Imports: llm.generate-embeddings
// ---------------------------------------------------------------------------

describe('rust-abi-probe: llm.generate-embeddings lower/lift', { skip: SKIP }, () => {
  let host: MockHost;
  let guest: Guest;
  before(() => {
    host = new MockHost();
    guest = instantiate('rust-abi-probe', host);
  });
  const embed = (model: string, texts: string[]) =>
    json(guest.handleRequest(request('/embed', { headers: [['x-model', model], ...texts.map((t) => ['x-text', t] as [string, string])] })));

  test('list<string> lowers (including empty strings and an empty list)', () => {
    for (const texts of [UTF8, [], [''], ['🦙']]) {
      host.calls = [];
      embed('all-minilm-l6-v2', texts);
      assert.deepEqual(host.calls, [{ fn: 'generateEmbeddings', args: ['all-minilm-l6-v2', texts] }]);
    }
  });

  test('list<list<f32>> lifts bit-exactly (Float32Array rows, empty rows, NaN payloads)', () => {
    const snan = new Float32Array(new Uint32Array([0x7f800001, 0xffc00000]).buffer);
    const rows = [
      new Float32Array([0, -0, 1, -1, 0.1, 1 / 3, 3.4028234663852886e38, 1.401298464324817e-45, Infinity, -Infinity]),
      new Float32Array(0),
      snan,
      new Float32Array(384).map((_, i) => Math.sin(i) / (i + 1)),
      new Float32Array([1, 2, 3, 4, 5]).subarray(1, 4), // a view with a byteOffset
    ];
    host.generateEmbeddings = (_model, text) => ({ embeddings: rows, usage: { promptTokenCount: text.length + 4000000000 } });
    const out = embed('m', ['a', 'b']);
    assert.deepEqual(out, { ok: { embeddings: rows.map(bitsOf), prompt_token_count: 4000000002 } });
  });

  test('an empty outer list lifts', () => {
    host.generateEmbeddings = () => ({ embeddings: [], usage: { promptTokenCount: 0 } });
    assert.deepEqual(embed('m', []), { ok: { embeddings: [], prompt_token_count: 0 } });
  });

  test('every error variant case lifts', () => {
    const errors: LlmError[] = [{ tag: 'model-not-supported' }, { tag: 'runtime-error', val: 'oom ⚠️' }, { tag: 'invalid-input', val: '' }];
    for (const payload of errors) {
      host.generateEmbeddings = () => {
        throw resultError(payload);
      };
      assert.deepEqual(embed('m', ['x']), { err: payload });
    }
  });
});

// ---------------------------------------------------------------------------
// Imports: variables.get
// ---------------------------------------------------------------------------

describe('rust-abi-probe: variables.get lower/lift', { skip: SKIP }, () => {
  let host: MockHost;
  let guest: Guest;
  before(() => {
    host = new MockHost();
    guest = instantiate('rust-abi-probe', host);
  });
  const get = (name: string) => json(guest.handleRequest(request('/var', { headers: [['x-name', name]] })));

  test('names lower and values lift exactly (UTF-8, empty, 100 KiB)', () => {
    for (const s of [...UTF8, 'x'.repeat(100 * 1024)]) {
      host.calls = [];
      host.get = (name) => `value of ${name}: ${s}`;
      assert.deepEqual(get(s), { ok: `value of ${s}: ${s}` });
      assert.deepEqual(host.calls, [{ fn: 'get', args: [s] }]);
    }
    host.get = () => '';
    assert.deepEqual(get('empty'), { ok: '' });
  });

  test('every error variant case lifts', () => {
    const errors: VariablesError[] = [
      { tag: 'invalid-name', val: 'Bad-Name' },
      { tag: 'undefined', val: 'no variable 🦙' },
      { tag: 'provider', val: 'vault down' },
      { tag: 'other', val: '' },
    ];
    for (const payload of errors) {
      host.get = () => {
        throw resultError(payload);
      };
      assert.deepEqual(get('v'), { err: payload });
    }
  });
});

// ---------------------------------------------------------------------------
// Ownership: nothing leaks across calls
// ---------------------------------------------------------------------------

describe('rust-abi-probe: memory', { skip: SKIP }, () => {
  test('linear memory stays flat over ~100 MiB of traffic through every path', () => {
    const host = new MockHost();
    const guest = instantiate('rust-abi-probe', host);
    const pages = () => json(guest.handleRequest(request('/memory'))).pages as number;
    host.infer = (_m, prompt) => ({ text: prompt, usage: { promptTokenCount: 1, generatedTokenCount: 1 } });
    host.generateEmbeddings = (_m, t) => ({
      embeddings: t.map(() => new Float32Array(1024).fill(0.5)),
      usage: { promptTokenCount: t.length },
    });
    host.get = (name) => name.repeat(1000);
    const body = randomBytes(256 * 1024);
    const headers = Array.from({ length: 200 }, (_, i) => [`h${i}`, 'v'.repeat(100)] as [string, string]);
    const round = () => {
      guest.handleRequest(request('/echo', { headers, params: headers, body }));
      guest.handleRequest(request('/infer', { body: body.subarray(0, 64 * 1024).map((b) => 65 + (b % 26)) }));
      guest.handleRequest(request('/embed', { headers: Array.from({ length: 32 }, () => ['x-text', 'abc'] as [string, string]) }));
      guest.handleRequest(request('/var', { headers: [['x-name', 'n'.repeat(100)]] }));
    };
    for (let i = 0; i < 5; i++) round(); // warm up the allocator
    const warm = pages();
    for (let i = 0; i < 200; i++) round();
    const end = pages();
    assert.ok(end - warm <= 2, `memory grew from ${warm} to ${end} pages`);
  });
});

// ---------------------------------------------------------------------------
// The examples
// ---------------------------------------------------------------------------

describe('rust-hello', { skip: SKIP }, () => {
  test('echoes method, uri, path, headers, params and body', () => {
    const guest = instantiate('rust-hello', new MockHost());
    const res = guest.handleRequest(
      request('/rust-hello/x?y=1', {
        headers: [
          ['content-type', 'text/plain'],
          ['x-a', 'ü🦙'],
        ],
        params: [['spin-path-info', '/x']],
        body: bytes('hi 👋'),
      }),
    );
    assert.equal(res.status, 200);
    assert.deepEqual(res.headers, [
      ['content-type', 'text/plain; charset=utf-8'],
      ['x-guest', 'rust-hello'],
    ]);
    assert.equal(
      text(res.body),
      'method=POST\nuri=/rust-hello/x?y=1\npath=/rust-hello/x\nheader content-type: text/plain\nheader x-a: ü🦙\nparam spin-path-info=/x\nbody=hi 👋',
    );
  });

  test('no body', () => {
    const guest = instantiate('rust-hello', new MockHost());
    const res = guest.handleRequest(request('http://localhost:3000/rust-hello', { method: 'get' }));
    assert.equal(text(res.body), 'method=GET\nuri=http://localhost:3000/rust-hello\npath=/rust-hello\nbody=<none>');
  });
});

describe('rust-llm', { skip: SKIP }, () => {
  let host: MockHost;
  let guest: Guest;
  before(() => {
    host = new MockHost();
    guest = instantiate('rust-llm', host);
  });

  test('infer: default model, params none, JSON out', () => {
    host.calls = [];
    host.infer = () => ({ text: 'Why "so"?\n🦙', usage: { promptTokenCount: 5, generatedTokenCount: 7 } });
    const res = guest.handleRequest(request('/rust-llm/infer', { body: bytes('Tell me a joke') }));
    assert.equal(res.status, 200);
    assert.deepEqual(res.headers, [['content-type', 'application/json']]);
    assert.deepEqual(json(res), {
      model: 'llama2-chat',
      text: 'Why "so"?\n🦙',
      usage: { prompt_token_count: 5, generated_token_count: 7 },
    });
    assert.deepEqual(host.calls, [{ fn: 'infer', args: ['llama2-chat', 'Tell me a joke', undefined] }]);
  });

  test('infer: x-model and x-max-tokens/x-temperature give explicit params over the defaults', () => {
    host.calls = [];
    const res = guest.handleRequest(
      request('/rust-llm/infer', {
        headers: [
          ['X-Model', 'codellama'],
          ['x-max-tokens', '42'],
          ['x-temperature', '0.25'],
        ],
        body: bytes('p'),
      }),
    );
    assert.equal(res.status, 200);
    assert.deepEqual(host.calls[0]!.args, [
      'codellama',
      'p',
      {
        maxTokens: 42,
        repeatPenalty: Math.fround(1.1),
        repeatPenaltyLastNTokenCount: 64,
        temperature: 0.25,
        topK: 40,
        topP: Math.fround(0.9),
      },
    ]);
  });

  test('infer: a bad header is a 400 without calling the host', () => {
    host.calls = [];
    const res = guest.handleRequest(request('/rust-llm/infer', { headers: [['x-max-tokens', '-1']] }));
    assert.equal(res.status, 400);
    assert.equal(json(res).error, 'invalid-header');
    assert.equal(host.calls.length, 0);
  });

  test('infer: errors map to 400 / 500 / 503 with the error text', () => {
    const cases: [LlmError, number, unknown][] = [
      [{ tag: 'invalid-input', val: 'too long' }, 400, { error: 'invalid-input', message: 'invalid input: too long' }],
      [{ tag: 'runtime-error', val: 'boom' }, 500, { error: 'runtime-error', message: 'runtime error: boom' }],
      [{ tag: 'model-not-supported' }, 503, { error: 'model-not-supported', message: 'model not supported' }],
    ];
    for (const [payload, status, body] of cases) {
      host.infer = () => {
        throw resultError(payload);
      };
      const res = guest.handleRequest(request('/rust-llm/infer', { body: bytes('p') }));
      assert.equal(res.status, status);
      assert.deepEqual(json(res), body);
    }
  });

  test('embed: one text per non-empty line; count, dimension and norms', () => {
    host.calls = [];
    const vectors = [new Float32Array([3, 4, 0]), new Float32Array([1, 0, 0]), new Float32Array([0.5, 0.5, 0.5])];
    host.generateEmbeddings = () => ({ embeddings: vectors, usage: { promptTokenCount: 9 } });
    const res = guest.handleRequest(request('/rust-llm/embed', { body: bytes('a\r\nb 🦙\n\nc\n') }));
    assert.equal(res.status, 200);
    assert.deepEqual(host.calls, [{ fn: 'generateEmbeddings', args: ['all-minilm-l6-v2', ['a', 'b 🦙', 'c']] }]);
    const out = json(res);
    assert.equal(out.model, 'all-minilm-l6-v2');
    assert.equal(out.count, 3);
    assert.equal(out.dimension, 3);
    assert.deepEqual(out.usage, { prompt_token_count: 9 });
    assert.equal(out.norms.length, 3);
    assert.equal(out.norms[0], 5);
    assert.equal(out.norms[1], 1);
    assert.ok(Math.abs(out.norms[2] - Math.sqrt(0.75)) < 1e-6);
  });

  test('embed: errors map like infer', () => {
    host.generateEmbeddings = () => {
      throw resultError({ tag: 'model-not-supported' });
    };
    assert.equal(guest.handleRequest(request('/rust-llm/embed', { body: bytes('x') })).status, 503);
  });

  test('variable/<name>: value, 404 undefined, 400 invalid name, 500 provider', () => {
    host.calls = [];
    host.get = (name) => `value-of-${name}`;
    let res = guest.handleRequest(request('/rust-llm/variable/greeting', { method: 'get' }));
    assert.equal(res.status, 200);
    assert.equal(text(res.body), 'value-of-greeting');
    assert.deepEqual(host.calls, [{ fn: 'get', args: ['greeting'] }]);

    const cases: [VariablesError, number, string][] = [
      [{ tag: 'undefined', val: 'no such' }, 404, 'undefined variable: no such'],
      [{ tag: 'invalid-name', val: 'Bad' }, 400, 'invalid variable name: Bad'],
      [{ tag: 'provider', val: 'down' }, 500, 'variables provider error: down'],
      [{ tag: 'other', val: 'x' }, 500, 'variables error: x'],
    ];
    for (const [payload, status, message] of cases) {
      host.get = () => {
        throw resultError(payload);
      };
      res = guest.handleRequest(request('/rust-llm/variable/v', { method: 'get' }));
      assert.equal(res.status, status);
      assert.equal(text(res.body), message);
    }
  });

  test('unknown route: 404', () => {
    assert.equal(guest.handleRequest(request('/rust-llm/nope')).status, 404);
  });
});

describe('rust-trap', { skip: SKIP }, () => {
  test('traps with unreachable; a fresh instance serves again', () => {
    const guest = instantiate('rust-trap', new MockHost());
    assert.throws(
      () => guest.handleRequest(request('/rust-trap')),
      (err: unknown) => {
        assert.ok(err instanceof WebAssembly.RuntimeError);
        assert.match(err.message, /unreachable/);
        return true;
      },
    );
    const fresh = instantiate('rust-trap', new MockHost());
    const res = fresh.handleRequest(request('/rust-trap/no-trap'));
    assert.equal(res.status, 200);
    assert.equal(text(res.body), 'not trapping');
  });
});
