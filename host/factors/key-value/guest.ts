/**
 * Guest side of key-value: three guest interfaces over one service.
 *   - fermyon:spin/key-value@2.0.0: resource `store` (Store.open, get, set, delete, exists, getKeys).
 *   - fermyon:spin/key-value (Spin 1.x): functions over u32 handles, with invalid-store, no-such-key, io(string).
 *   - wasi:keyvalue@0.2.0-draft2 (as Spin links it): store (open → bucket), atomics (increment, cas, swap), batch.
 * jco asks for an import by its name without the version when a component imports one
 * version, so @2.0.0 and 1.x both arrive as 'fermyon:spin/key-value': one object serves
 * both (the 2.0 resource `Store` and the 1.x functions have different names).
 */
import type { BridgeError } from '../../components/bridge.js';
import type { GuestImportsFactory } from '../factor.js';
import { GuestResultError } from '../guest-error.js';
import { typedService } from '../service.js';
import type { KeyValueService, KvErrorKind } from './api.js';
import { STORE_TABLE_CAPACITY } from './limits.js';

type Variant = { tag: string; val?: unknown };

function kindOf(err: unknown): { kind: KvErrorKind; message: string } {
  const e = err as BridgeError;
  const kind = e?.data?.kind as KvErrorKind | undefined;
  return { kind: kind ?? 'other', message: e?.message ?? String(err) };
}

/** fermyon:spin/key-value@2.0.0 and wasi:keyvalue `error`: store-table-full only exists in the former. */
function v2Error(err: unknown): Variant {
  const { kind, message } = kindOf(err);
  return kind === 'other' ? { tag: 'other', val: message } : { tag: kind };
}

function wasiError(err: unknown): Variant {
  const { kind, message } = kindOf(err);
  return kind === 'other' || kind === 'store-table-full' ? { tag: 'other', val: message } : { tag: kind };
}

/** Spin 1.x: `io(string)` instead of `other(string)`. */
function v1Error(err: unknown): Variant {
  const { kind, message } = kindOf(err);
  return kind === 'other' ? { tag: 'io', val: message } : { tag: kind };
}

export const createGuestImports: GuestImportsFactory = (ctx) => {
  const service = typedService<KeyValueService>(ctx);
  // Open stores of the current instance (2.0 resources, 1.x handles and wasi buckets together), as Spin counts them.
  let open = 0;
  const v1Handles = new Map<number, string>();
  let nextHandle = 1;

  /** Calls the service; a failure becomes the interface's WIT error. */
  function call<T>(mapError: (err: unknown) => Variant, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof GuestResultError) throw err;
      throw new GuestResultError(mapError(err));
    }
  }

  function openLabel(label: string, mapError: (err: unknown) => Variant): void {
    if (open >= STORE_TABLE_CAPACITY)
      throw new GuestResultError(mapError({ data: { kind: 'store-table-full' }, message: `more than ${STORE_TABLE_CAPACITY} stores open at once` }));
    call(mapError, () => service.open(label));
    open++;
  }

  class Store {
    #label: string;
    #closed = false;
    private constructor(label: string) {
      this.#label = label;
    }
    static open(label: string): Store {
      openLabel(label, v2Error);
      return new Store(label);
    }
    get(key: string): Uint8Array | undefined {
      return call(v2Error, () => service.get(this.#label, key));
    }
    set(key: string, value: Uint8Array): void {
      call(v2Error, () => service.set(this.#label, key, value));
    }
    delete(key: string): void {
      call(v2Error, () => service.delete(this.#label, key));
    }
    exists(key: string): boolean {
      return call(v2Error, () => service.exists(this.#label, key));
    }
    getKeys(): string[] {
      return call(v2Error, () => service.keys(this.#label));
    }
    [Symbol.dispose](): void {
      if (!this.#closed) open--;
      this.#closed = true;
    }
  }

  const v1Label = (handle: number): string => {
    const label = v1Handles.get(handle);
    if (label === undefined) throw new GuestResultError({ tag: 'invalid-store' });
    return label;
  };
  const v1 = {
    open(name: string): number {
      openLabel(name, v1Error);
      const handle = nextHandle++;
      v1Handles.set(handle, name);
      return handle;
    },
    get(handle: number, key: string): Uint8Array {
      const label = v1Label(handle);
      const value = call(v1Error, () => service.get(label, key));
      if (value === undefined) throw new GuestResultError({ tag: 'no-such-key' });
      return value;
    },
    set(handle: number, key: string, value: Uint8Array): void {
      const label = v1Label(handle);
      call(v1Error, () => service.set(label, key, value));
    },
    delete(handle: number, key: string): void {
      const label = v1Label(handle);
      call(v1Error, () => service.delete(label, key));
    },
    exists(handle: number, key: string): boolean {
      const label = v1Label(handle);
      return call(v1Error, () => service.exists(label, key));
    },
    getKeys(handle: number): string[] {
      const label = v1Label(handle);
      return call(v1Error, () => service.keys(label));
    },
    close(handle: number): void {
      if (v1Handles.delete(handle)) open--;
    },
  };

  class Bucket {
    #closed = false;
    private constructor(readonly label: string) {}
    static open(identifier: string): Bucket {
      openLabel(identifier, wasiError);
      return new Bucket(identifier);
    }
    get(key: string): Uint8Array | undefined {
      return call(wasiError, () => service.get(this.label, key));
    }
    set(key: string, value: Uint8Array): void {
      call(wasiError, () => service.set(this.label, key, value));
    }
    delete(key: string): void {
      call(wasiError, () => service.delete(this.label, key));
    }
    exists(key: string): boolean {
      return call(wasiError, () => service.exists(this.label, key));
    }
    /** One page holds every key (the cursor is never needed). */
    listKeys(_cursor: string | undefined): { keys: string[]; cursor: string | undefined } {
      return { keys: call(wasiError, () => service.keys(this.label)), cursor: undefined };
    }
    [Symbol.dispose](): void {
      if (!this.#closed) open--;
      this.#closed = true;
    }
  }

  /** wasi:keyvalue/atomics `cas`: the value seen when it was made, swapped only if still there. */
  class Cas {
    private constructor(
      readonly bucket: Bucket,
      readonly key: string,
      readonly seen: Uint8Array | undefined,
    ) {}
    static new(bucket: Bucket, key: string): Cas {
      return new Cas(
        bucket,
        key,
        call(wasiError, () => service.get(bucket.label, key)),
      );
    }
    current(): Uint8Array | undefined {
      return call(wasiError, () => service.get(this.bucket.label, this.key));
    }
  }

  const atomics = {
    Cas,
    increment(bucket: Bucket, key: string, delta: bigint): bigint {
      return call(wasiError, () => service.increment(bucket.label, key, delta));
    },
    swap(cas: Cas, value: Uint8Array): void {
      const swapped = call(
        (e) => ({ tag: 'store-error', val: wasiError(e) }),
        () => service.compareAndSwap(cas.bucket.label, cas.key, cas.seen, value),
      );
      if (!swapped) throw new GuestResultError({ tag: 'cas-failed', val: Cas.new(cas.bucket, cas.key) });
    },
  };

  const batch = {
    getMany(bucket: Bucket, keys: string[]): Array<[string, Uint8Array | undefined]> {
      return call(wasiError, () => service.getMany(bucket.label, keys));
    },
    setMany(bucket: Bucket, entries: Array<[string, Uint8Array]>): void {
      call(wasiError, () => service.setMany(bucket.label, entries));
    },
    deleteMany(bucket: Bucket, keys: string[]): void {
      call(wasiError, () => service.deleteMany(bucket.label, keys));
    },
  };

  // Labels are checked against the allow-list by the service (it knows the app's labels), not here.
  return {
    imports: {
      'fermyon:spin/key-value': { Store, ...v1 },
      'wasi:keyvalue/store': { open: (id: string) => Bucket.open(id), Bucket },
      'wasi:keyvalue/atomics': atomics,
      'wasi:keyvalue/batch': batch,
    },
    onInstance() {
      open = 0;
      v1Handles.clear();
      nextHandle = 1;
    },
  };
};
