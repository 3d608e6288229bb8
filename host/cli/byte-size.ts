/**
 * Parses a size flag: bytes (`1048576`), or a number with a unit, case-insensitive:
 * `k`, `m`, `g` and `KiB`, `MiB`, `GiB` are powers of 1024 (as nginx's
 * client_max_body_size and docker read them); `KB`, `MB`, `GB` are powers of 1000.
 */
import { InvalidArgumentError } from 'commander';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
};

export function parseByteSize(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw new InvalidArgumentError(`${flag}: '${text}' is not a size: use bytes, or e.g. 512k, 10m, 1g (powers of 1024) or 100MB (powers of 1000).`);
  const bytes = Math.floor(Number(m[1]) * unit);
  if (bytes < 1) throw new InvalidArgumentError(`${flag}: '${text}' must be at least one byte.`);
  return bytes;
}
