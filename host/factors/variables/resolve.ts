/**
 * Resolves application variables (defaults and SPIN_VARIABLE_<UPPER_NAME> from the
 * environment) and renders each component's variable templates ("https://{{ api_host }}/x").
 * Values never reach a log line: secrets stay secret.
 */
import type { App } from '../../app/types.js';
import { UserError } from '../../user-error.js';

export class VariablesError extends UserError {}

export function envName(name: string): string {
  return `SPIN_VARIABLE_${name.toUpperCase()}`;
}

export function resolveAppVariables(app: App, env: NodeJS.ProcessEnv): Map<string, string> {
  const values = new Map<string, string>();
  const missing: string[] = [];
  for (const [name, decl] of Object.entries(app.variables)) {
    const fromEnv = env[envName(name)];
    const value = fromEnv ?? decl.default;
    if (value === undefined) missing.push(name);
    else values.set(name, value);
  }
  if (missing.length > 0) {
    throw new VariablesError(
      `${app.manifestPath}: variables: required variable${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} ha${missing.length > 1 ? 've' : 's'} no value. Set ${missing.map(envName).join(', ')} in the environment, or give ${missing.length > 1 ? 'them' : 'it'} a default in [variables].`,
    );
  }
  return values;
}

const TEMPLATE = /\{\{\s*([a-z][a-z0-9_]*)\s*\}\}/g;

export function renderTemplate(template: string, values: ReadonlyMap<string, string>): string {
  return template.replace(TEMPLATE, (_m, name: string) => {
    const v = values.get(name);
    if (v === undefined) throw new VariablesError(`template '${template}' refers to undefined variable '${name}'`);
    return v;
  });
}

/** Each component's variables, rendered. */
export function componentVariables(app: App, values: ReadonlyMap<string, string>): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const c of app.components.values()) {
    const rendered: Record<string, string> = {};
    for (const [name, template] of Object.entries(c.variables)) rendered[name] = renderTemplate(template, values);
    out.set(c.id, rendered);
  }
  return out;
}
