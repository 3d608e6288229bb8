/** `spin-ts models`: generate GGUF models (nothing can be downloaded here) and serve them. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { reportAndExit } from './errors.js';

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
    .option('--quant <type>', 'f32 | f16 | q8_0 | q4_0 (default: the preset\'s)')
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
    .command('serve')
    .description("Serve the models over the OpenAI-compatible API and Spin's remote LLM protocol, with no app (like llama-server)")
    .option('--listen <address>', 'the address to serve on', '127.0.0.1:8080')
    .option('--runtime-config-file <file>', 'runtime configuration: model table, llm_compute, state_dir, [openai] api_keys')
    .option('--state-dir <dir>', 'where <state-dir>/ai-models holds GGUF models (default: state_dir from the runtime config, else ./.spin)')
    .option('--api-key <key>', 'a key clients must send as "Authorization: Bearer <key>" (repeatable; also SPIN_TS_API_KEYS and [openai] api_keys)', collect, [])
    .option('--cors-origin <origin>', "a browser origin allowed to call the API, e.g. http://localhost:5173, or '*' for any (repeatable; default none)", collect, [])
    .option('--llm-threads <n>', 'CPU threads for llama.cpp (default: physical cores)', integerAtLeast('--llm-threads', 1))
    .option('--llm-slots <n>', 'requests decoded together per model', integerAtLeast('--llm-slots', 1), 4)
    .option('--llm-queue <n>', 'requests that may wait for a slot before 503 busy', integerAtLeast('--llm-queue', 0), 64)
    .option('--llm-seed <n>', 'fixed sampling seed for requests that give none (default: random per request)', integerAtLeast('--llm-seed', 0))
    .addOption(new Option('--gpu <mode>', 'where llama.cpp runs').choices(['auto', 'cuda', 'vulkan', 'cpu']).default('auto'))
    .option('--no-preload', 'load each model on its first request instead of at start')
    .action(async (o) => {
      try {
        const { serveModels } = await import('../openai/serve-models.js');
        const serving = await serveModels({
          listen: o.listen,
          runtimeConfigFile: o.runtimeConfigFile,
          stateDir: o.stateDir,
          apiKeys: o.apiKey,
          corsOrigins: o.corsOrigin,
          llm: { threads: o.llmThreads, gpu: o.gpu, slots: o.llmSlots, queue: o.llmQueue, seed: o.llmSeed },
          preload: o.preload,
        });
        console.log(`Serving ${serving.server.origin}`);
        console.log(`OpenAI-compatible API: ${serving.server.origin}/v1`);
        void serving.ready.then(() => console.error('models ready'));
        const stop = () => {
          void serving.close().then(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      } catch (err) {
        reportAndExit(err);
      }
    });
  return models;
}
