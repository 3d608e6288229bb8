/**
 * Spin 1.x HTTP modules made into components, as Spin does when it loads them. These are
 * core modules exporting `handle-http-request`, built by the SDKs of Spin's 0.x/1.x era
 * (wit-bindgen 0.2: Rust, TinyGo, the JS/TS SDK). Their canonical ABI has the same flat
 * signatures and memory layouts as today's for these interfaces; what differs is the
 * names. So the module is rewritten — its host imports renamed onto the unversioned
 * fermyon:spin interfaces (`spin-config` → `config`, `wasi-outbound-http.request` →
 * `http.send-request`, …), its handler also exported as `inbound-http#handle-request` and
 * its `canonical_abi_realloc` as `cabi_realloc` — the world `spin1-http-module` (wit/) is
 * embedded, and jco's componentNew links jco's preview1 reactor adapter. The component then
 * runs like any other: the inbound-http executor, each import served by its factor.
 *
 * Modules from wit-bindgen 0.5 and later already carry their world (a `component-type`
 * custom section) and only need the adapter.
 */
import { concat, encodeSection, KIND, leb, nameBytes, Reader, SECTION, sections } from './wasm-binary.js';

export const SPIN1_HANDLER_EXPORT = 'handle-http-request';
const HANDLER_AS_COMPONENT = 'fermyon:spin/inbound-http#handle-request';
const OLD_REALLOC = 'canonical_abi_realloc';
const REALLOC = 'cabi_realloc';

/** The world embedded in a rewritten module (wit/worlds.wit). */
export const SPIN1_WORLD = 'spin-ts:examples/spin1-http-module';

interface LegacyInterface {
  /** The unversioned fermyon:spin interface serving it. */
  to: string;
  /** Functions whose name changed. */
  rename?: Record<string, string>;
  /** Set when spin-ts has no service for it: the start is refused, naming this. */
  unsupported?: string;
}

/** Spin 1.x host modules, by the import module name wit-bindgen 0.2 gave them (Spin's wit/ephemeral). */
const LEGACY_IMPORTS: Record<string, LegacyInterface> = {
  'spin-config': { to: 'fermyon:spin/config' },
  'wasi-outbound-http': { to: 'fermyon:spin/http', rename: { request: 'send-request' } },
  'key-value': { to: 'fermyon:spin/key-value' },
  sqlite: { to: 'fermyon:spin/sqlite' },
  'outbound-redis': { to: 'fermyon:spin/redis' },
  'outbound-pg': { to: 'fermyon:spin/postgres', unsupported: 'Spin 1.x outbound PostgreSQL (outbound-pg)' },
  'outbound-mysql': { to: 'fermyon:spin/mysql', unsupported: 'Spin 1.x outbound MySQL (outbound-mysql)' },
};

const PREVIEW1 = 'wasi_snapshot_preview1';

export class Spin1ModuleError extends Error {}

/** Whether a core module carries a component-type custom section (wit-bindgen ≥ 0.5 wrote its world into it). */
export function hasComponentType(wasm: Uint8Array): boolean {
  return sections(wasm).some((s) => s.id === SECTION.custom && s.name?.startsWith('component-type'));
}

/**
 * Renames a Spin 1.x module's host imports onto the unversioned fermyon:spin interfaces and
 * exports its handler and allocator under the names a component's core module uses.
 * Throws Spin1ModuleError naming an import spin-ts cannot serve.
 */
export function retargetSpin1Module(wasm: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [wasm.subarray(0, 8)];
  let sawExports = false;
  for (const s of sections(wasm)) {
    if (s.id === SECTION.import) parts.push(encodeSection(SECTION.import, renamedImports(wasm, s.contentStart, s.end)));
    else if (s.id === SECTION.export) {
      parts.push(encodeSection(SECTION.export, aliasedExports(wasm, s.contentStart, s.end)));
      sawExports = true;
    } else parts.push(wasm.subarray(s.start, s.end));
  }
  if (!sawExports) throw new Spin1ModuleError(`it exports nothing, so it has no ${SPIN1_HANDLER_EXPORT}`);
  return concat(parts);
}

function renamedImports(wasm: Uint8Array, from: number, end: number): number[] {
  const r = new Reader(wasm, from);
  const count = r.leb();
  const out: number[] = [...leb(count)];
  for (let i = 0; i < count; i++) {
    const module = r.string();
    const name = r.string();
    const descStart = r.pos;
    r.importDesc();
    const desc = wasm.subarray(descStart, r.pos);
    let to = module;
    let field = name;
    if (module !== PREVIEW1) {
      const legacy = LEGACY_IMPORTS[module];
      if (!legacy) {
        throw new Spin1ModuleError(
          `it imports ${module}.${name}, which is not a Spin 1.x host interface (known: ${Object.keys(LEGACY_IMPORTS).join(', ')}, and WASI preview1)`,
        );
      }
      if (legacy.unsupported) throw new Spin1ModuleError(`it imports ${legacy.unsupported}, which spin-ts does not provide`);
      to = legacy.to;
      field = legacy.rename?.[name] ?? name;
    }
    out.push(...nameBytes(to), ...nameBytes(field), ...desc);
  }
  if (r.pos !== end) throw new Error('malformed import section');
  return out;
}

function aliasedExports(wasm: Uint8Array, from: number, end: number): number[] {
  const r = new Reader(wasm, from);
  const count = r.leb();
  const entries = new Map<string, { kind: number; index: number }>();
  for (let i = 0; i < count; i++) {
    const name = r.string();
    const kind = r.byte();
    entries.set(name, { kind, index: r.leb() });
  }
  if (r.pos !== end) throw new Error('malformed export section');
  const handler = entries.get(SPIN1_HANDLER_EXPORT);
  if (!handler || handler.kind !== KIND.func) throw new Spin1ModuleError(`it does not export the function ${SPIN1_HANDLER_EXPORT}`);
  const realloc = entries.get(OLD_REALLOC);
  if (!entries.has(REALLOC)) {
    if (!realloc) throw new Spin1ModuleError(`it exports neither ${OLD_REALLOC} nor ${REALLOC}, so the host cannot pass it a request`);
    entries.set(REALLOC, realloc);
  }
  entries.set(HANDLER_AS_COMPONENT, handler);
  const out: number[] = [...leb(entries.size)];
  for (const [name, e] of entries) out.push(...nameBytes(name), e.kind, ...leb(e.index));
  return out;
}
