/** wasi:clocks — ours, because subscribe-* must hand back our own Pollable (see io.ts). */
import { Pollable } from './io.js';

const origin = process.hrtime.bigint();

export const monotonicClock = {
  now: (): bigint => process.hrtime.bigint() - origin,
  resolution: (): bigint => 1n,
  subscribeInstant: (when: bigint): Pollable => new Pollable(origin + when),
  subscribeDuration: (duration: bigint): Pollable => new Pollable(process.hrtime.bigint() + duration),
  /** 0.2.0-rc-2023-10-18's one subscribe (beside 0.2's: see ioImports in io.ts). */
  subscribe: (when: bigint, absolute: boolean): Pollable => (absolute ? monotonicClock.subscribeInstant(when) : monotonicClock.subscribeDuration(when)),
};

export const wallClock = {
  now: (): { seconds: bigint; nanoseconds: number } => {
    const ms = Date.now();
    return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1_000_000 };
  },
  resolution: (): { seconds: bigint; nanoseconds: number } => ({ seconds: 0n, nanoseconds: 1_000_000 }),
};

export const clockImports = {
  'wasi:clocks/monotonic-clock': monotonicClock,
  'wasi:clocks/wall-clock': wallClock,
};
