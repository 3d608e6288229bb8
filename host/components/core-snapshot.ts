/**
 * One set of live core instances for a component, reused request after request and put
 * back to the state they had right after instantiation before each one.
 *
 * jco's glue is still run afresh per request (its handle tables and resource state are
 * per instance), but the `instantiateCore` it is given hands back the core instances made
 * the first time. Their function imports were forwarders, so each run of the glue points
 * them at its own trampolines. Between requests every memory and mutable global the core
 * modules define (exported for this by state-exports.ts) is copied back from a snapshot:
 * to the guest this is a fresh instance, without paying for one.
 *
 * A memory made growable in place (growable-memory.ts) keeps the pages a request grew: the
 * guest's view of its size is a global, restored like the others, and the pages above the
 * snapshot are zero-filled, so the next request grows into them as into fresh pages.
 *
 * What it cannot put back, it refuses: any other memory that grew (memories cannot shrink),
 * a growable one that grew past GROWN_KEEP_BYTES, or a guest that trapped means `spent`,
 * and the caller builds a new set.
 */
import { SEEN_PAGES_EXPORT, VIRTUAL_PAGES_EXPORT } from './growable-memory.js';
import { UNRESTORABLE_SECTION } from './restorable.js';
import { GLOBAL_EXPORT_PREFIX, MEMORY_EXPORT_PREFIX } from './state-exports.js';

export type InstantiateCore = (module: WebAssembly.Module, imports?: WebAssembly.Imports) => WebAssembly.Instance;

type AnyFunction = (...args: unknown[]) => unknown;

interface Slot {
  target: AnyFunction;
}

interface Core {
  module: WebAssembly.Module;
  instance: WebAssembly.Instance;
  /** The forwarder behind each function import the glue provides, by "module\0name". */
  slots: Map<string, Slot>;
  /** Every other import as it was first given (it must be the same object every time). */
  fixed: Map<string, unknown>;
}

interface MemoryState {
  memory: WebAssembly.Memory;
  bytes: Uint8Array;
  /** For a growable memory: the global holding the real size in pages its module last saw. */
  seenPages?: WebAssembly.Global;
}

interface GlobalState {
  global: WebAssembly.Global;
  value: unknown;
}

/** Thrown when the glue does not give the same imports twice: the component must use fresh instances. */
export class NotReusable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotReusable';
  }
}

/** Size of the chunks compared before copying: only those a request changed are written back. */
const CHUNK = 64 * 1024;
const ZEROS = Buffer.alloc(CHUNK);
const PAGE = 64 * 1024;
/**
 * A growable memory that grew more than this above its snapshot is let go, not kept
 * zero-filled: a worker keeps a guest's usual growth (a Rust allocator's first pages), not
 * the peak of a request that took megabytes (that one is rebuilt, as any memory that grew).
 */
export const GROWN_KEEP_BYTES = 2 * 1024 * 1024;
/** For measuring (bench/instances.ts): SPIN_TS_DISCARD_GROWN=1 lets go of every memory that grew, as before growable memories. */
const DISCARD_GROWN = process.env.SPIN_TS_DISCARD_GROWN === '1';

export class CoreSnapshot {
  private readonly cores: Core[] = [];
  private readonly wasmFunctions = new Set<unknown>();
  private memories: MemoryState[] = [];
  private globals: GlobalState[] = [];
  private nextCore = 0;
  private building = true;
  /** The state has been used since it was last put back. */
  private dirty = false;
  /** It can no longer be put back (a memory grew, the guest trapped): build a new one. */
  spent = false;
  /** Why it is spent, for the caller's bookkeeping. */
  spentBecause: 'grew' | 'trapped' | undefined;

  /** Pass to jco's `instantiate` as its `instantiateCore`: builds the first time, reuses after. */
  readonly instantiateCore: InstantiateCore = (module, imports) => (this.building ? this.build(module, imports) : this.reuse(module, imports));

  private build(module: WebAssembly.Module, imports: WebAssembly.Imports = {}): WebAssembly.Instance {
    const slots = new Map<string, Slot>();
    const fixed = new Map<string, unknown>();
    const given: WebAssembly.Imports = {};
    for (const [ns, fields] of Object.entries(imports)) {
      const out: Record<string, WebAssembly.ImportValue> = {};
      for (const [name, value] of Object.entries(fields)) {
        const key = `${ns}\0${name}`;
        if (typeof value === 'function' && !this.wasmFunctions.has(value)) {
          const slot: Slot = { target: value as AnyFunction };
          slots.set(key, slot);
          out[name] = (...args: unknown[]) => slot.target(...args);
        } else {
          fixed.set(key, value);
          out[name] = value;
        }
      }
      given[ns] = out;
    }
    const instance = new WebAssembly.Instance(module, given);
    for (const value of Object.values(instance.exports)) if (typeof value === 'function') this.wasmFunctions.add(value);
    this.cores.push({ module, instance, slots, fixed });
    return instance;
  }

  private reuse(module: WebAssembly.Module, imports: WebAssembly.Imports = {}): WebAssembly.Instance {
    const core = this.cores[this.nextCore++];
    if (!core || core.module !== module) throw new NotReusable('the glue instantiated its core modules in a different order');
    let seen = 0;
    for (const [ns, fields] of Object.entries(imports)) {
      for (const [name, value] of Object.entries(fields)) {
        const key = `${ns}\0${name}`;
        const slot = core.slots.get(key);
        if (slot && typeof value === 'function') slot.target = value as AnyFunction;
        else if (core.fixed.get(key) !== value) throw new NotReusable(`import ${ns}.${name} changed between instantiations`);
        seen++;
      }
    }
    if (seen !== core.slots.size + core.fixed.size) throw new NotReusable('the glue gave a different set of imports');
    return core.instance;
  }

  /** Ends the first build: records the state every later request starts from. Throws NotReusable when some of it cannot be read back. */
  finishBuild(): void {
    this.building = false;
    for (const { module } of this.cores) {
      const [mark] = WebAssembly.Module.customSections(module, UNRESTORABLE_SECTION);
      if (mark) throw new NotReusable(`a core module uses ${Buffer.from(mark).toString('utf8')}, which a snapshot cannot put back`);
    }
    const memories = new Map<WebAssembly.Memory, WebAssembly.Global | undefined>();
    for (const { instance } of this.cores) {
      const seen = instance.exports[VIRTUAL_PAGES_EXPORT] ? (instance.exports[SEEN_PAGES_EXPORT] as WebAssembly.Global) : undefined;
      for (const [name, value] of Object.entries(instance.exports)) {
        if (name.startsWith(MEMORY_EXPORT_PREFIX)) memories.set(value as WebAssembly.Memory, name === `${MEMORY_EXPORT_PREFIX}0` ? seen : undefined);
        else if (name.startsWith(GLOBAL_EXPORT_PREFIX)) {
          const global = value as WebAssembly.Global;
          try {
            this.globals.push({ global, value: global.value });
          } catch {
            throw new NotReusable(`global ${name} has a type JavaScript cannot read (v128)`);
          }
        }
      }
    }
    this.memories = [...memories].map(([memory, seenPages]) => ({ memory, bytes: new Uint8Array(memory.buffer).slice(), seenPages }));
  }

  /** Starts one run of the glue against the live instances. */
  beginReuse(): void {
    if (this.spent) throw new Error('core snapshot is spent');
    if (this.dirty) this.restore();
    this.nextCore = 0;
  }

  /** Marks the state used by a request. */
  used(): void {
    this.dirty = true;
  }

  /** After a request: can the state still be put back? */
  check(trapped: boolean): void {
    if (trapped) {
      this.spent = true;
      this.spentBecause = 'trapped';
    } else if (this.memories.some((m) => !keepable(m))) {
      this.spent = true;
      this.spentBecause = 'grew';
    }
  }

  /** Puts every memory and mutable global back as they were after instantiation; pages grown since are zero-filled. */
  restore(): void {
    for (const { memory, bytes } of this.memories) {
      const live = new Uint8Array(memory.buffer);
      const liveBuf = Buffer.from(live.buffer, live.byteOffset, live.byteLength);
      const snapBuf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let at = 0; at < bytes.length; at += CHUNK) {
        const end = Math.min(at + CHUNK, bytes.length);
        if (liveBuf.compare(snapBuf, at, end, at, end) !== 0) live.set(bytes.subarray(at, end), at);
      }
      for (let at = bytes.length; at < live.length; at += CHUNK) {
        const end = Math.min(at + CHUNK, live.length);
        if (liveBuf.compare(ZEROS, 0, end - at, at, end) !== 0) live.fill(0, at, end);
      }
    }
    for (const { global, value } of this.globals) global.value = value;
    // The guest's size is back to the snapshot's; the real size is what the memory has now.
    for (const { memory, seenPages } of this.memories) if (seenPages) seenPages.value = memory.buffer.byteLength / PAGE;
    this.dirty = false;
  }

  /** Bytes of linear memory this snapshot holds a copy of. */
  get snapshotBytes(): number {
    return this.memories.reduce((n, m) => n + m.bytes.length, 0);
  }
}

/** Can this memory still be put back: the same size, or growable and not grown past GROWN_KEEP_BYTES? */
function keepable(m: MemoryState): boolean {
  const size = m.memory.buffer.byteLength;
  if (size === m.bytes.length) return true;
  return !DISCARD_GROWN && m.seenPages !== undefined && size - m.bytes.length <= GROWN_KEEP_BYTES;
}
