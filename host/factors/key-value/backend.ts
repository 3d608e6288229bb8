/** One label's storage, whatever holds it (a SQLite file, Redis). All calls run on the main thread. */
export interface KvBackend {
  /** Where the data lives, for the start-up log ("SQLite file …", "Redis at …"). */
  readonly summary: string;
  /** Connects (first open), so a dead backend fails at open as `other(...)`. */
  ready(): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Every key; stops with an error once the keys pass `maxBytes`. */
  keys(maxBytes: number): Promise<string[]>;
  getMany(keys: string[]): Promise<Array<Uint8Array | undefined>>;
  setMany(entries: Array<[string, Uint8Array]>): Promise<void>;
  deleteMany(keys: string[]): Promise<void>;
  increment(key: string, delta: bigint): Promise<bigint>;
  compareAndSwap(key: string, expected: Uint8Array | undefined, value: Uint8Array): Promise<boolean>;
  close(): Promise<void>;
}
