/**
 * Physical CPU core count. os.availableParallelism() counts logical CPUs (hyper-threads),
 * and llama.cpp's matrix code runs best with one thread per physical core.
 */

import { readFileSync } from 'node:fs';
import os from 'node:os';

let cached: number | undefined;

/** Distinct (physical id, core id) pairs in /proc/cpuinfo; falls back to the logical count. */
export function physicalCores(): number {
  if (cached !== undefined) return cached;
  const logical = Math.max(1, os.availableParallelism());
  let count = 0;
  try {
    const cores = new Set<string>();
    let physical = '0';
    for (const line of readFileSync('/proc/cpuinfo', 'utf8').split('\n')) {
      const [rawKey, rawValue] = line.split(':');
      const key = rawKey?.trim();
      const value = rawValue?.trim() ?? '';
      if (key === 'physical id') physical = value;
      else if (key === 'core id') cores.add(`${physical}:${value}`);
    }
    count = cores.size;
  } catch {
    count = 0;
  }
  cached = count > 0 ? Math.min(count, logical) : logical;
  return cached;
}
