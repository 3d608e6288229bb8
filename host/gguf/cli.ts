/** `spin-ts models generate <preset> -o <file.gguf> [--quant q4_0] [--seed N] [--if-missing]` */

import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isQuantName } from './ggml-types.js';
import { generateModel, PRESETS } from './presets.js';

export interface ModelsGenerateOptions {
  quant?: string;
  seed?: number;
  ifMissing?: boolean;
  /** Where the one-line report goes (default: stdout). */
  print?: (line: string) => void;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export async function modelsGenerateCommand(preset: string, out: string, opts: ModelsGenerateOptions = {}): Promise<void> {
  const print = opts.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (!Object.prototype.hasOwnProperty.call(PRESETS, preset)) {
    throw new Error(`unknown model preset '${preset}' (known: ${Object.keys(PRESETS).join(', ')})`);
  }
  if (opts.quant !== undefined && !isQuantName(opts.quant)) {
    throw new Error(`unknown quantization '${opts.quant}' (known: f32, f16, q8_0, q4_0)`);
  }
  if (opts.seed !== undefined && !Number.isInteger(opts.seed)) throw new Error(`--seed must be an integer, got ${opts.seed}`);
  const path = resolve(out);
  if (opts.ifMissing) {
    const existing = await stat(path).catch(() => undefined);
    if (existing?.isFile()) {
      print(`${path} exists (${formatBytes(existing.size)}), skipped`);
      return;
    }
  }
  const started = Date.now();
  const quant = opts.quant !== undefined && isQuantName(opts.quant) ? opts.quant : undefined;
  const { bytes } = await generateModel(preset, path, {
    ...(quant !== undefined ? { quant } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
  });
  print(`${path} (${formatBytes(bytes)}, ${preset}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
