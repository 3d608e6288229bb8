/**
 * Refuses, at start, a component that imports an interface nothing in spin-ts provides,
 * as Spin does: otherwise it would start, and every call into the missing interface would
 * fail on the host side where the guest's own error handling cannot see it.
 *
 * What is provided is a list of interface names, each either exact (`fermyon:spin/llm`,
 * `fermyon:spin/llm@2.0.0`) or with a version prefix (`wasi:io/streams@0.2` accepts any
 * 0.2.x patch). jco reports an interface imported in one version only without its version
 * (`fermyon:spin/key-value`): such a name is provided when any version of it is.
 */
import { UserError } from '../user-error.js';

export class UnsupportedImportError extends UserError {}

const VERSIONED = /^(.*)@(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/;

export function isProvided(imported: string, provided: ReadonlySet<string>): boolean {
  if (provided.has(imported)) return true;
  const m = VERSIONED.exec(imported);
  if (!m) return [...provided].some((p) => p.replace(/@[^@]*$/, '') === imported);
  const [, name, version] = m as unknown as [string, string, string];
  const [major, minor] = version.split('.');
  return provided.has(`${name}@${major}.${minor}`);
}

/** The component's imports that nothing provides (interface imports only: `ns:pkg/iface[@ver]`). */
export function missingImports(imports: readonly string[], provided: ReadonlySet<string>): string[] {
  return imports.filter((i) => i.includes(':') && i.includes('/') && !isProvided(i, provided));
}

export function checkImports(componentId: string, imports: readonly string[], provided: ReadonlySet<string>): void {
  const missing = missingImports(imports, provided);
  if (missing.length === 0) return;
  const supported = [...provided].sort().join(', ');
  throw new UnsupportedImportError(
    `component '${componentId}' imports ${missing.map((m) => `'${m}'`).join(', ')}, which spin-ts does not provide. ` +
      `Build it against interfaces spin-ts supports (${supported}), or remove the dependency.`,
  );
}
