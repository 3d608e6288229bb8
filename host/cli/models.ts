/** `spin-ts models`: generate GGUF models, download the model table's sources, and serve them. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { engineOptions, gpuOption, modelsMaxMemoryOption, type LlmFlags } from './llm-flags.js';
import { parseDuration } from './duration.js';
import { reportAndExit } from './errors.js';
import { stopOnSignals } from './stop-signals.js';
import { parseListenAddress } from '../listen-address.js';

/**
 * llama-server's spellings commander cannot declare (multi-letter short flags, a third long
 * name): rewritten to the long flag before parsing, so `-np 4` and `--parallel 4` are one option.
 */
const LLAMA_SERVER_SPELLINGS: Readonly<Record<string, string>> = {
  '-np': '--parallel',
  '-ngl': '--n-gpu-layers',
  '--gpu-layers': '--n-gpu-layers',
  '--predict': '--n-predict',
  '-hf': '--hf-repo',
  '-hfr': '--hf-repo',
  '-hff': '--hf-file',
  '--embeddings': '--embedding',
};

export function rewriteLlamaServerFlags(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return [...out, ...args.slice(i)];
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const long = LLAMA_SERVER_SPELLINGS[flag];
    out.push(long ? `${long}${eq > 0 ? a.slice(eq) : ''}` : a);
  }
  return out;
}

/** `models serve`, parsing llama-server's spellings too. */
class ServeCommand extends Command {
  override parseOptions(argv: string[]) {
    return super.parseOptions(rewriteLlamaServerFlags(argv));
  }
}

function integerFrom(flag: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${flag}: '${v}' is not an integer ≥ ${min}.`);
    return n;
  };
}

/** --listen, with --host / --port (llama-server's) replacing its parts. */
export function listenFrom(listen: string, host: string | undefined, port: number | undefined): string {
  const addr = parseListenAddress('--listen', listen);
  const h = host ?? addr.host;
  return `${h.includes(':') ? `[${h}]` : h}:${port ?? addr.port}`;
}

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
        const { modelsGenerateCommand } = await import('../gguf/cli.js');
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
    .addOption(
      new Option('--timeout <duration>', 'give up a try when the server sends nothing for this long').argParser(duration('--timeout')).default(30_000, '30s'),
    )
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
  const serve = new ServeCommand('serve');
  models.addCommand(serve);
  serve
    .description("Serve the models over the OpenAI-compatible, Ollama and Spin remote LLM APIs, with no app (like llama-server); takes llama-server's flags")
    .option('--listen <address>', 'the address to serve on', '127.0.0.1:8080')
    .option('--host <host>', "the interface to serve on (llama-server's; replaces --listen's host)")
    .option('--port <port>', "the port to serve on (llama-server's; replaces --listen's port; 0 picks a free one)", integerFrom('--port', 0))
    .option('-m, --model <file.gguf>', 'serve this GGUF file (no model table needed); its name is the file name without .gguf, or --alias')
    .option('-a, --alias <name>', 'the name the -m model is served under')
    .option('--embedding', 'the -m model is an embedding model (also --embeddings)')
    .option(
      '-c, --ctx-size <n>',
      "context size of the -m model and of table models that set no context_size (0: the model's own)",
      integerFrom('--ctx-size', 0),
    )
    .option('--parallel <n>', 'requests decoded together per model (also -np; the same as --llm-slots)', integerFrom('--parallel', 1))
    .option('--n-gpu-layers <n>', 'layers to offload to the GPU (also -ngl, --gpu-layers); on the CPU it has no effect', integerFrom('--n-gpu-layers', 0))
    .option(
      '-n, --n-predict <n>',
      'the most tokens one request may generate (also --predict; -1: no cap, the context bounds it)',
      integerFrom('--n-predict', -1),
    )
    .option(
      '--hf-repo <user/repo[/file]>',
      'serve a GGUF file from Hugging Face, downloaded once into the state dir: <user>/<repo>/<file>.gguf, or <user>/<repo> with --hf-file (also -hf; HF_TOKEN for gated repositories, HF_ENDPOINT for a mirror)',
    )
    .option('--hf-file <file>', 'the GGUF file of the --hf-repo repository (also -hff)')
    .option('--api-prefix <path>', 'serve every route under this path, e.g. /api/v1/ai (clients use <origin><path> as their base URL)')
    .option('--models-config <aikit.yaml>', "serve the models of an aikit spec (apiVersion v1alpha1: models, promptTemplates, config) beside the model table's")
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
          listen: listenFrom(o.listen, o.host, o.port),
          runtimeConfigFile: o.runtimeConfigFile,
          stateDir: o.stateDir,
          apiKeys: o.apiKey,
          corsOrigins: o.corsOrigin,
          llm: { ...engineOptions(o as LlmFlags), ...(o.parallel !== undefined ? { slots: o.parallel } : {}) },
          preload: o.preloadModels === true && o.preload !== false,
          modelsConfig: o.modelsConfig,
          llamaServer: {
            model: o.model,
            alias: o.alias,
            embedding: o.embedding === true,
            ctxSize: o.ctxSize,
            gpuLayers: o.nGpuLayers,
            nPredict: o.nPredict,
            apiPrefix: o.apiPrefix,
            hfRepo: o.hfRepo,
            hfFile: o.hfFile,
          },
        });
        console.log(`Serving ${serving.server.origin}`);
        console.log(`OpenAI-compatible API: ${serving.server.base}/v1`);
        void serving.ready.then(() => console.error('models ready'));
        stopOnSignals(() => serving.close());
      } catch (err) {
        reportAndExit(err);
      }
    });
  return models;
}
