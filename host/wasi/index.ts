/** Assembles the WASI 0.2 import object a guest instance gets. */
import { cliImports, LineSink, type CliOptions } from './cli.js';
import { clockImports } from './clocks.js';
import { filesystemImports, type MountSpec } from './filesystem.js';
import { httpTypesImports } from './http-types.js';
import { ioImports } from './io.js';

// preview2-shim's random is plain functions over node:crypto: no resources, no slow path.
// (Its type declarations export these as types only, hence the untyped import.)
const RANDOM_SHIM: string = '@bytecodealliance/preview2-shim/random';
const { insecure, insecureSeed, random } = (await import(RANDOM_SHIM)) as Record<'insecure' | 'insecureSeed' | 'random', object>;

export interface WasiOptions extends CliOptions {
  mounts: MountSpec[];
}

export function wasiImports(opts: WasiOptions): Record<string, object> {
  return {
    ...ioImports,
    ...clockImports,
    'wasi:random/random': random,
    'wasi:random/insecure': insecure,
    'wasi:random/insecure-seed': insecureSeed,
    ...cliImports(opts),
    ...filesystemImports(opts.mounts),
    ...httpTypesImports,
  };
}

/**
 * The last WASI 0.2 release candidate (Spin 2.1's): its io, clocks, cli, random, filesystem
 * and HTTP request/response interfaces are 0.2.0's less functions 0.2.0 added, so the 0.2
 * implementations serve it. Two HTTP details differ and are not adapted (the host cannot
 * tell which version's glue calls a shared class): `future-trailers.get` has one result
 * level fewer, and `request-options`' timeouts are named `…-timeout-ms`; a guest calling
 * those fails at the call. Outbound HTTP (`outgoing-handler`) is not provided for it.
 * (rc-2023-10-18, Spin 2.0's, differs throughout and is not provided.)
 */
export const WASI_RC = '0.2.0-rc-2023-11-10';

/**
 * The WASI interfaces wasiImports provides, each for any 0.2.x patch (`wasi:io/streams@0.2`)
 * and as the release candidate WASI_RC.
 */
export function wasiInterfaces(): string[] {
  const sink = new LineSink(() => {});
  const names = Object.keys(wasiImports({ environment: [], mounts: [], stdout: sink, stderr: sink }));
  return [...names.map((name) => `${name}@0.2`), ...names.map((name) => `${name}@${WASI_RC}`)];
}

const VERSION_SUFFIX = /@\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** A stand-in for an interface we do not offer: instantiation succeeds, a call fails clearly. */
function unsupportedInterface(name: string): object {
  return new Proxy(
    {},
    {
      get(_t, prop) {
        if (typeof prop !== 'string') return undefined;
        const fail = function () {
          throw new Error(`spin-ts does not support ${name} (${prop}) yet`);
        };
        return fail;
      },
    },
  );
}

/**
 * jco asks for imports by interface name, with the version stripped when only one version
 * is imported and kept when a component imports two patch versions side by side. Answer
 * both forms from one table, so any 0.2.x patch version finds the same implementation.
 */
export function versionTolerant(imports: Record<string, object>): Record<string, object> {
  return new Proxy(imports, {
    get(target, prop) {
      if (typeof prop !== 'string') return undefined;
      const direct = target[prop];
      if (direct) return direct;
      const bare = prop.replace(VERSION_SUFFIX, '');
      return target[bare] ?? unsupportedInterface(prop);
    },
  });
}
