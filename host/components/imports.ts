/**
 * Refuses, at start, a component that imports an interface nothing in spin-ts provides,
 * as Spin does: otherwise it would start, and every call into the missing interface would
 * fail on the host side where the guest's own error handling cannot see it.
 *
 * What is provided is a list of interface names, each either exact (`fermyon:spin/llm`,
 * `fermyon:spin/llm@2.0.0`) or with a version prefix (`wasi:io/streams@0.2` accepts any
 * 0.2.x patch release; a pre-release such as `0.2.0-rc-2023-11-10` only by its exact name).
 * Matching never crosses a version: an unversioned import (Spin 1's
 * `fermyon:spin/redis`) needs the unversioned name, and `fermyon:spin/redis@2.0.0` is not
 * Spin 1's interface. jco reports an interface imported in one version only without its
 * version, so the versions come from the binary (./component-imports.ts).
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../user-error.js';
import { componentImportNames } from './component-imports.js';

export class UnsupportedImportError extends UserError {}

const VERSIONED = /^(.*)@(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/;

export function isProvided(imported: string, provided: ReadonlySet<string>): boolean {
  if (provided.has(imported)) return true;
  const m = VERSIONED.exec(imported);
  if (!m) return false;
  const [, name, version] = m as unknown as [string, string, string];
  // A release candidate is its own interface: only its exact name provides it.
  if (version.includes('-')) return false;
  const [major, minor] = version.split('.');
  return provided.has(`${name}@${major}.${minor}`);
}

const unversioned = (name: string): string => name.replace(/@[^@/]*$/, '');

/**
 * The imports to check: each interface jco's list names (what the component uses; it leaves
 * out interfaces that only define types), in every version the binary imports it.
 */
export function versionedImports(jcoImports: readonly string[], binaryImports: readonly string[]): string[] {
  const used = new Set(jcoImports.map(unversioned));
  const out = binaryImports.filter((name) => used.has(unversioned(name)));
  for (const name of jcoImports) if (!out.some((b) => unversioned(b) === unversioned(name))) out.push(name);
  return out;
}

/** `versionedImports` of the component at `wasmPath`. */
export async function importsOfComponent(wasmPath: string, jcoImports: readonly string[]): Promise<string[]> {
  return versionedImports(jcoImports, componentImportNames(await readFile(wasmPath)));
}

/** The component's imports that nothing provides (interface imports only: `ns:pkg/iface[@ver]`). */
export function missingImports(imports: readonly string[], provided: ReadonlySet<string>): string[] {
  return imports.filter((i) => i.includes(':') && i.includes('/') && !isProvided(i, provided));
}

export function checkImports(componentId: string, imports: readonly string[], provided: ReadonlySet<string>): void {
  const missing = missingImports(imports, provided);
  if (missing.length === 0) return;
  // Release candidates are listed once, not per interface.
  const rcs = new Set([...provided].map((p) => /@(\d+\.\d+\.\d+-rc-[\d-]+)$/.exec(p)?.[1]).filter((v) => v !== undefined));
  const listed = [...provided].filter((p) => !/-rc-[\d-]+$/.test(p)).sort();
  const supported = listed.join(', ') + [...rcs].map((v) => `, and WASI ${v}`).join('');
  throw new UnsupportedImportError(
    `component '${componentId}' imports ${missing.map((m) => `'${m}'`).join(', ')}, which spin-ts does not provide. ` +
      `Build it against interfaces spin-ts supports (${supported}), or remove the dependency.`,
  );
}
