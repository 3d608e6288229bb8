/** Assembles the WASI 0.2 import object a guest instance gets. */
import { cliImports, LineSink, type CliOptions } from './cli.js';
import { clockImports } from './clocks.js';
import { filesystemImports, type MountSpec } from './filesystem.js';
import { httpTypesImports } from './http-types.js';
import { ioImports } from './io.js';
import { adapt20231018 } from './rc-2023-10-18.js';
import { adapt20231110 } from './rc-2023-11-10.js';

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
 * The two WASI 0.2 release candidates Spin 3 still serves: Spin 2.0's and Spin 2.1's.
 * transpile.ts keeps their version in the names jco asks for; each is the 0.2
 * implementation with the shapes that differ adapted (./rc-2023-10-18.ts, ./rc-2023-11-10.ts).
 */
const RC_ADAPTERS: Record<string, (name: string, base: Record<string, object>) => object | undefined> = {
  '0.2.0-rc-2023-10-18': adapt20231018,
  '0.2.0-rc-2023-11-10': adapt20231110,
};
const WASI_RCS = Object.keys(RC_ADAPTERS);

/**
 * The WASI interfaces wasiImports provides, each for any 0.2.x patch (`wasi:io/streams@0.2`)
 * and as each release candidate.
 */
export function wasiInterfaces(): string[] {
  const sink = new LineSink(() => {});
  const names = Object.keys(wasiImports({ environment: [], mounts: [], stdout: sink, stderr: sink }));
  return [...names.map((name) => `${name}@0.2`), ...WASI_RCS.flatMap((rc) => names.map((name) => `${name}@${rc}`))];
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
 * is imported and kept when a component imports two patch versions side by side (or a
 * release candidate: transpile.ts keeps those). Answer every form from one table, so any
 * 0.2.x patch version finds the same implementation, and a release candidate finds it
 * adapted to its shapes (built once per table).
 */
export function versionTolerant(imports: Record<string, object>): Record<string, object> {
  const adapted = new Map<string, object | undefined>();
  return new Proxy(imports, {
    get(target, prop) {
      if (typeof prop !== 'string') return undefined;
      const direct = target[prop];
      if (direct) return direct;
      const bare = prop.replace(VERSION_SUFFIX, '');
      const version = prop.slice(bare.length + 1);
      const adapt = RC_ADAPTERS[version];
      if (adapt && target[bare]) {
        if (!adapted.has(prop)) adapted.set(prop, adapt(bare, target));
        const rc = adapted.get(prop);
        if (rc) return rc;
      }
      return target[bare] ?? unsupportedInterface(prop);
    },
  });
}
