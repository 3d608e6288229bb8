/** `spin-ts up`: flags as Spin names them. */
import { appModels } from '../factors/llm/index.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { buildApp } from '../build.js';
import { INSTANCE_MODES } from '../components/protocol.js';
import { up } from '../up.js';
import { parseByteSize } from './byte-size.js';
import { engineOptions, gpuOption, modelsMaxMemoryOption, type LlmFlags } from './llm-flags.js';
import { parseDuration } from './duration.js';
import { CliError, reportAndExit } from './errors.js';
import { stopOnSignals } from './stop-signals.js';
import { parseVariableSources, variablesAsEnv } from './variable-sources.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseEnvPairs(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`-e/--env: '${pair}' is not KEY=VALUE`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

function parseKeyValues(pairs: string[]): Array<[string, string]> {
  return pairs.map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--key-value: '${pair}' is not KEY=VALUE`);
    return [pair.slice(0, eq), pair.slice(eq + 1)];
  });
}

/** SPIN_ALWAYS_BUILD as Spin reads it (clap's boolish values). */
export function boolish(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'y', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'n', 'off'].includes(v)) return false;
  throw new CliError(`${name}: '${value}' is not a boolean (true/false, 1/0, yes/no, on/off)`);
}

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag}: '${v}' is not a positive integer.`);
    return n;
  };
}

export function upCommand(): Command {
  return new Command('up')
    .description('Start the Spin application')
    .option('-f, --from <manifest>', 'the application manifest (spin.toml) or a directory that holds one', 'spin.toml')
    .addOption(new Option('--listen <address>', 'the address to serve HTTP on').env('SPIN_HTTP_LISTEN_ADDR').default('127.0.0.1:3000'))
    .addOption(new Option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (needs --tls-key)').env('SPIN_TLS_CERT'))
    .addOption(new Option('--tls-key <file>', 'the PEM private key for --tls-cert').env('SPIN_TLS_KEY'))
    .option('--find-free-port', 'when the --listen port is taken, try the next 10', false)
    .option('-c, --component-id <id>', 'run only this component (repeatable; default all)', collect, [])
    .option('--from-registry <reference>', 'run an app from an OCI registry (not supported by spin-ts)')
    .option('--state-dir <dir>', 'where models and other state live (default: .spin beside the manifest)')
    .option('--runtime-config-file <file>', 'runtime configuration: model table, llm_compute, state_dir (also RUNTIME_CONFIG_FILE, SPIN_RUNTIME_CONFIG_FILE)')
    .option('-e, --env <KEY=VALUE>', 'an environment variable for every component (repeatable)', collect, [])
    .option('--request-timeout <duration>', 'cut off a guest still running after this long (500ms, 5s, 2m)', '60s')
    .option('-q, --quiet', "hide the components' stdout and stderr", false)
    .option('--follow <id>', "show only this component's stdout and stderr (repeatable)", collect, [])
    .addOption(new Option('-L, --log-dir <dir>', "also append each component's stdout and stderr to <dir>/<id>_stdout.txt and _stderr.txt").env('SPIN_LOG_DIR'))
    .option('--variable <source>', 'an application variable: KEY=VALUE, KEY=@file, @file.json or @file.toml (repeatable)', collect, [])
    .option('--build', 'run `spin-ts build` first (also SPIN_ALWAYS_BUILD=true)', false)
    .option('--workers <n>', 'guest worker threads (default: max(4, 2 × cores))', positiveInt('--workers'))
    .addOption(
      new Option(
        '--instance-mode <mode>',
        'snapshot: restore one live instance per component between requests; fresh: instantiate anew per request (for debugging and comparison)',
      )
        .choices([...INSTANCE_MODES])
        .default('snapshot'),
    )
    .option('--guest-memory-mb <n>', "cap on each guest instance's linear memory and each worker's JS heap, in MiB", positiveInt('--guest-memory-mb'), 512)
    .addOption(
      new Option('--max-request-body-size <size>', 'larger request bodies get 413 (bytes, or 512k, 10m, 1g: powers of 1024)')
        .argParser((v: string) => parseByteSize('--max-request-body-size', v))
        .default(100 * 1024 * 1024, '100MiB'),
    )
    .option('--preload-models', 'load the models components may use at start instead of on first use', false)
    .option('--llm-threads <n>', 'CPU threads for llama.cpp (default: physical cores)', positiveInt('--llm-threads'))
    .option('--llm-slots <n>', 'LLM calls decoded together per model', positiveInt('--llm-slots'), 4)
    .option('--llm-queue <n>', 'LLM calls that may wait for a slot before "busy"', positiveInt('--llm-queue'), 64)
    .option('--llm-seed <n>', 'fixed sampling seed for every LLM call (default: random per call)', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`'${v}' is not a non-negative integer.`);
      return n;
    })
    .option('--model-idle-timeout <duration>', 'unload a model no LLM call has used for this long, e.g. 10m (default: keep models loaded)', (v: string) => {
      try {
        return parseDuration(v);
      } catch (err) {
        throw new InvalidArgumentError(`${(err as Error).message}.`);
      }
    })
    .addOption(modelsMaxMemoryOption())
    .addOption(gpuOption())
    .option(
      '--openai-listen <address>',
      "also serve the app's models on this address: the OpenAI-compatible API, Spin's remote LLM protocol (/infer, /embed), Ollama's /api routes and llama-server's /props and /slots",
    )
    .option('--sqlite <statement>', 'SQL to run on the default SQLite database at start, or @file.sql (repeatable)', collect, [])
    .option('--api-key <key>', 'a key the OpenAI-compatible API accepts (repeatable; also SPIN_TS_API_KEYS and [openai] api_keys)', collect, [])
    .option('--key-value <KEY=VALUE>', 'set a key in the default key-value store at start (repeatable)', collect, [])
    .option(
      '--cors-origin <origin>',
      "a browser origin allowed to call the OpenAI-compatible API, e.g. http://localhost:5173, or '*' for any (repeatable; default none)",
      collect,
      [],
    )
    .action(async (o) => {
      try {
        if (o.fromRegistry !== undefined) {
          throw new CliError(
            `--from-registry ${o.fromRegistry}: registry apps are not supported by spin-ts. Pull the app locally and pass its spin.toml with -f.`,
          );
        }
        if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) throw new CliError('--tls-cert and --tls-key go together: pass both, or neither.');
        if (o.quiet && o.follow.length > 0) throw new CliError('-q/--quiet and --follow contradict each other: pass one of them.');
        const variables = variablesAsEnv(parseVariableSources(o.variable));
        if (o.build || boolish('SPIN_ALWAYS_BUILD', process.env.SPIN_ALWAYS_BUILD)) await buildApp(o.from);
        const running = await up({
          from: o.from,
          listen: o.listen,
          stateDir: o.stateDir,
          runtimeConfigFile: o.runtimeConfigFile ?? (process.env.SPIN_RUNTIME_CONFIG_FILE || process.env.RUNTIME_CONFIG_FILE || undefined),
          processEnv: { ...process.env, ...variables },
          ...(o.tlsCert !== undefined ? { tls: { certFile: o.tlsCert, keyFile: o.tlsKey } } : {}),
          findFreePort: o.findFreePort,
          componentIds: o.componentId,
          follow: o.follow,
          logDir: o.logDir || undefined,
          env: parseEnvPairs(o.env),
          requestTimeoutMs: parseDuration(o.requestTimeout),
          quiet: o.quiet,
          workers: o.workers,
          instanceMode: o.instanceMode,
          guestMemoryMb: o.guestMemoryMb,
          maxRequestBodyBytes: o.maxRequestBodySize,
          llm: engineOptions(o as LlmFlags),
          openaiListen: o.openaiListen,
          apiKeys: o.apiKey,
          keyValues: parseKeyValues(o.keyValue),
          sqlite: o.sqlite,
          corsOrigins: o.corsOrigin,
        });
        // an app with models starts its engine now: llama.cpp's GPU probe runs (and is logged) at start, not on the first call
        if (appModels(running.app).length > 0) void running.engine().catch(() => undefined);
        if (o.preloadModels) {
          const models = appModels(running.app);
          const engine = await running.engine();
          const preloading = (engine as { preload?: (names: string[]) => Promise<void> }).preload?.(models);
          await (preloading && running.openai ? running.openai.health.track(preloading) : preloading);
        }
        if (running.origin !== undefined) console.log(`Serving ${running.origin}`);
        if (running.openai) console.log(`OpenAI-compatible API: ${running.openai.origin}/v1`);
        if (running.origin !== undefined) console.log('Available Routes:');
        for (const line of [...running.routeLines, ...running.triggerLines]) console.log(line);
        stopOnSignals(() => running.close());
      } catch (err) {
        reportAndExit(err);
      }
    });
}
