/**
 * Runs a component that exports wasi:cli/run as a command per request (WAGI): its
 * arguments, environment, stdin and stdout are the request's, everything else (files,
 * clocks, random, stderr, the factors) is the component's usual WASI. The worker loads
 * this through a small generated module (prepare.ts `commandModuleSource`) in place of
 * jco's own, so the worker and its instance reuse stay as they are for every component.
 */
import { GuestExit } from '../wasi/cli.js';
import { InputStream, OutputStream, type ByteSink, type ByteSource } from '../wasi/io.js';

/** The export the generated module's instances have: `run(io)`. */
export const COMMAND_EXPORT = 'spin-ts:command/run';

export interface CommandIo {
  args: string[];
  /** Added after the component's own environment (manifest `environment`, `-e`). */
  environment: Array<[string, string]>;
  stdin: ByteSource;
  stdout: ByteSink;
}

export interface CommandOutcome {
  /** false when run returned its error result (Spin logs it and still answers with what the guest wrote). */
  ok: boolean;
}

export interface CommandInstance {
  run(io: CommandIo): CommandOutcome;
}

type Instantiate = (getCoreModule: (name: string) => WebAssembly.Module, imports: Record<string, object>) => Record<string, any>;

const VERSION_SUFFIX = /@\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const RUN_EXPORT = /^wasi:cli\/run@0\.2\.\d+$/;

export function commandInstantiate(
  inner: Instantiate,
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, object>,
): Record<string, CommandInstance> {
  let io: CommandIo | undefined;
  const current = (): CommandIo => {
    if (!io) throw new Error('the command used its stdio outside a request');
    return io;
  };
  const base = imports['wasi:cli/environment'] as { getEnvironment(): Array<[string, string]>; initialCwd(): string | undefined };
  const overrides: Record<string, object> = {
    'wasi:cli/environment': {
      getEnvironment: () => [...base.getEnvironment(), ...current().environment],
      getArguments: () => current().args,
      initialCwd: () => base.initialCwd(),
    },
    // Streams made before the request (an adapter may ask at start-up) still reach the request's stdio.
    'wasi:cli/stdin': { getStdin: () => new InputStream({ read: (max) => current().stdin.read(max) }) },
    'wasi:cli/stdout': { getStdout: () => new OutputStream({ write: (bytes) => current().stdout.write(bytes) }) },
  };
  const wrapped = new Proxy(imports, {
    get(target, prop) {
      if (typeof prop !== 'string') return undefined;
      return overrides[prop.replace(VERSION_SUFFIX, '')] ?? target[prop];
    },
  });
  const instance = inner(getCoreModule, wrapped);
  const runner = Object.entries(instance).find(([name]) => RUN_EXPORT.test(name))?.[1] as { run(): void } | undefined;
  if (!runner) throw new Error('the component exports no wasi:cli/run@0.2.x');
  return {
    [COMMAND_EXPORT]: {
      run(next: CommandIo): CommandOutcome {
        io = next;
        try {
          runner.run();
          return { ok: true };
        } catch (err) {
          // proc_exit(0) ends a command successfully; any other status is a failure.
          if (err instanceof GuestExit) {
            if (err.ok) return { ok: true };
            throw new Error('the command exited with a non-zero status');
          }
          // jco throws an export's error result as a ComponentError (a trap is a WebAssembly.RuntimeError).
          if (err instanceof Error && err.constructor.name === 'ComponentError') return { ok: false };
          throw err;
        } finally {
          io = undefined;
        }
      },
    },
  };
}
