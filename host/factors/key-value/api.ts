/** The key-value factor's service, as its guest side calls it and its main-thread side implements it. */

/** The error kinds a store call can fail with; each guest interface maps them onto its own WIT variant. */
export type KvErrorKind = 'no-such-store' | 'access-denied' | 'store-table-full' | 'other';

/** Thrown by the service; crosses the bridge with its `kind` (host/components/bridge.ts copies own fields). */
export class KvError extends Error {
  constructor(
    readonly kind: KvErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'KvError';
  }
}

/**
 * Every call names the store by label; the service checks the calling component's access
 * on each call (the guest side's check is a courtesy, not the guard).
 */
export interface KeyValueService {
  /** Checks that the component may use `label` and that its backend answers. */
  open(label: string): void;
  get(label: string, key: string): Uint8Array | undefined;
  set(label: string, key: string, value: Uint8Array): void;
  delete(label: string, key: string): void;
  exists(label: string, key: string): boolean;
  keys(label: string): string[];
  getMany(label: string, keys: string[]): Array<[string, Uint8Array | undefined]>;
  setMany(label: string, entries: Array<[string, Uint8Array]>): void;
  deleteMany(label: string, keys: string[]): void;
  increment(label: string, key: string, delta: bigint): bigint;
  /** Sets `value` only if the key still holds `expected` (undefined: still absent); false when it changed. */
  compareAndSwap(label: string, key: string, expected: Uint8Array | undefined, value: Uint8Array): boolean;
}

/** What the guest side gets per component: its `key_value_stores` allow-list. */
export interface KeyValueGuestConfig {
  keyValueStores: string[];
}
