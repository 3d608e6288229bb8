/**
 * `spin-ts models pull`: downloads the model table's `source` models into the state dir now,
 * as a first use would (download.ts), and checks the sha256 of those already there.
 */
import { resolve } from 'node:path';
import { loadRuntimeConfig } from '../../app/runtime-config.js';
import { UserError } from '../../user-error.js';
import { LLM_DEFAULTS, llmRuntimeConfig, type LlmRuntimeConfig } from '../runtime-config.js';
import { ensureDownloaded } from './download.js';
import { resolveModel, verifySha256 } from './registry.js';

export interface PullOptions {
  runtimeConfigFile?: string | undefined;
  stateDir?: string | undefined;
  /** Model names; default: every model table entry with a source URL. */
  names: readonly string[];
  timeoutMs?: number | undefined;
  attempts?: number | undefined;
  log: (line: string) => void;
}

/** The paths of the pulled models, in order. */
export async function pullModels(opts: PullOptions): Promise<string[]> {
  const config = await loadRuntimeConfig(opts.runtimeConfigFile, [llmRuntimeConfig]);
  const llm = (config.sections[llmRuntimeConfig.name] as LlmRuntimeConfig | undefined) ?? LLM_DEFAULTS;
  const stateDir = resolve(opts.stateDir ?? config.stateDir ?? '.spin');
  const table = llm.llmModels;
  const withSource = Object.keys(table).filter((n) => table[n]!.sourceUrl !== undefined);
  const names = opts.names.length > 0 ? opts.names : withSource;
  if (names.length === 0) {
    throw new UserError(
      `${config.path ?? 'no runtime config file'}: no [llm_models.<name>] entry has a source URL; add source = "https://…/<model>.gguf" (and sha256 = "…")`,
    );
  }
  const paths: string[] = [];
  for (const name of names) {
    if (!Object.prototype.hasOwnProperty.call(table, name)) {
      throw new UserError(`model '${name}' is not in the model table of ${config.path ?? 'the runtime config (none given: use --runtime-config-file)'}`);
    }
    const model = (await resolveModel(name, { modelTable: table, stateDir }))!;
    if (model.downloadUrl !== undefined) {
      const d = await ensureDownloaded({
        name,
        url: model.downloadUrl,
        dest: model.path,
        sha256: model.sha256,
        log: opts.log,
        timeoutMs: opts.timeoutMs,
        attempts: opts.attempts,
      });
      if (!d.downloaded) {
        if (model.sha256) await verifySha256(model.path, model.sha256);
        opts.log(`model '${name}': already in ${model.path}${model.sha256 ? ', sha256 verified' : ''}`);
      }
    } else {
      if (model.sha256) await verifySha256(model.path, model.sha256);
      opts.log(`model '${name}': a local file (${model.path}), nothing to download`);
    }
    paths.push(model.path);
  }
  return paths;
}
