/** `spin-ts models`: generate GGUF models, download the model table's sources, and serve them. */
import { Command, InvalidArgumentError } from 'commander';
import { engineOptions, gpuOption, modelsMaxMemoryOption, type LlmFlags } from './llm-flags.js';
import { parseDuration } from './duration.js';
import { reportAndExit } from './errors.js';
import { stopOnSignals } from './stop-signals.js';

function duration(flag: string) {
  return (v: string): number => {
    try {
      return parseDuration(v);
    } catch (err) {
      throw new InvalidArgumentError(`${flag}: ${(err as Error).message}.`);
    }
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function integerAtLeast(flag: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${flag}: '${v}' is not an integer ≥ ${min}.`);
    return n;
  };
}

export function modelsCommand(): Command {
  const models = new Command('models').description('Work with local GGUF models');
  models
    .command('generate')
    .description('Write a generated GGUF model (fixed-seed weights) from a preset')
    .argument('<preset>', 'tiny-llama | tiny-predictable | tiny-bert | tinyllama-1.1b')
    .requiredOption('-o, --output <file.gguf>', 'where to write the model')
    .option('--quant <type>', "f32 | f16 | q8_0 | q4_0 (default: the preset's)")
    .option('--seed <n>', 'weight seed', (v) => Number(v))
    .option('--if-missing', 'do nothing when the file already exists', false)
    .action(async (preset: string, o) => {
      try {
        const { modelsGenerateCommand } = await import('../llm/gguf/cli.js');
        await modelsGenerateCommand(preset, o.output, { quant: o.quant, seed: o.seed, ifMissing: o.ifMissing });
      } catch (err) {
        reportAndExit(err);
      }
    });
  models
    .command('pull')
    .description("Download the model table's source models into the state dir (resumed if interrupted, sha256 verified)")
    .argument('[name...]', 'models to pull (default: every entry with a source URL)')
    .option('--runtime-config-file <file>', 'runtime configuration with the [llm_models.<name>] table')
    .option('--state-dir <dir>', 'where <state-dir>/ai-models keeps the files (default: state_dir from the runtime config, else ./.spin)')
    .option('--timeout <duration>', 'give up a try when the server sends nothing for this long', duration('--timeout'), 30_000)
    .option('--attempts <n>', 'tries per model, each resuming the last', integerAtLeast('--attempts', 1), 5)
    .action(async (names: string[], o) => {
      try {
        const { pullModels } = await import('../llm/local/pull.js');
        const paths = await pullModels({
          runtimeConfigFile: o.runtimeConfigFile,
          stateDir: o.stateDir,
          names,
          timeoutMs: o.timeout,
          attempts: o.attempts,
          log: (line) => console.error(line),
        });
        for (const p of paths) console.log(p);
      } catch (err) {
        reportAndExit(err);
      }
    });
  models
    .command('serve')
    .description("Serve the models over the OpenAI-compatible API and Spin's remote LLM protocol, with no app (like llama-server)")
    .option('--listen <address>', 'the address to serve on', '127.0.0.1:8080')
    .option('--runtime-config-file <file>', 'runtime configuration: model table, llm_compute, state_dir, [openai] api_keys')
    .option('--state-dir <dir>', 'where <state-dir>/ai-models holds GGUF models (default: state_dir from the runtime config, else ./.spin)')
    .option(
      '--api-key <key>',
      'a key clients must send as "Authorization: Bearer <key>" (repeatable; also SPIN_TS_API_KEYS and [openai] api_keys)',
      collect,
      [],
    )
    .option(
      '--cors-origin <origin>',
      "a browser origin allowed to call the API, e.g. http://localhost:5173, or '*' for any (repeatable; default none)",
      collect,
      [],
    )
    .option('--llm-threads <n>', 'CPU threads for llama.cpp (default: physical cores)', integerAtLeast('--llm-threads', 1))
    .option('--llm-slots <n>', 'requests decoded together per model', integerAtLeast('--llm-slots', 1), 4)
    .option('--llm-queue <n>', 'requests that may wait for a slot before 503 busy', integerAtLeast('--llm-queue', 0), 64)
    .option('--llm-seed <n>', 'fixed sampling seed for requests that give none (default: random per request)', integerAtLeast('--llm-seed', 0))
    .addOption(gpuOption())
    .option('--preload-models', 'load every model at start (/health answers 503 until then) instead of on first use', false)
    .option('--no-preload', 'load each model on its first request (the default; kept as a flag for older scripts)')
    .option(
      '--model-idle-timeout <duration>',
      'unload a model no request has used for this long, e.g. 10m (default: keep models loaded)',
      duration('--model-idle-timeout'),
    )
    .addOption(modelsMaxMemoryOption())
    .action(async (o) => {
      try {
        const { serveModels } = await import('../openai/serve-models.js');
        const serving = await serveModels({
          listen: o.listen,
          runtimeConfigFile: o.runtimeConfigFile,
          stateDir: o.stateDir,
          apiKeys: o.apiKey,
          corsOrigins: o.corsOrigin,
          llm: engineOptions(o as LlmFlags),
          preload: o.preloadModels === true && o.preload !== false,
        });
        console.log(`Serving ${serving.server.origin}`);
        console.log(`OpenAI-compatible API: ${serving.server.origin}/v1`);
        void serving.ready.then(() => console.error('models ready'));
        stopOnSignals(() => serving.close());
      } catch (err) {
        reportAndExit(err);
      }
    });
  return models;
}
