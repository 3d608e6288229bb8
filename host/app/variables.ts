/**
 * Application `[variables]` and component variable templates
 * (`variables` in v2, `config` in v1) that may reference them as `{{ name }}`.
 */
import type { VariableDecl } from './types.js';
import { describeValue, type FieldReader, type Table } from './toml-fields.js';
import { joinField } from './toml-locate.js';

export const VARIABLE_NAME = /^[a-z][a-z0-9_]*$/;

function checkName(r: FieldReader, name: string, field: string, what: string): void {
  if (!VARIABLE_NAME.test(name)) {
    const suggestion = name
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .replace(/^[^a-z]+/, '');
    r.fail(
      field,
      `invalid ${what} name "${name}": names must be lower_snake_case`,
      `Use lowercase letters, digits and "_", starting with a letter${suggestion ? `, e.g. "${suggestion}"` : ''}.`,
    );
  }
}

/** Reads the top-level `[variables]` table. */
export function readAppVariables(r: FieldReader, root: Table): Record<string, VariableDecl> {
  const table = r.optTable(root, 'variables', '');
  const out: Record<string, VariableDecl> = {};
  for (const [name, value] of Object.entries(table ?? {})) {
    const field = joinField('variables', name);
    checkName(r, name, field, 'variable');
    if (typeof value === 'string') {
      r.fail(field, `must be a table, not a string`, `Write it as ${name} = { default = ${JSON.stringify(value)} } or ${name} = { required = true }.`);
    }
    const t = r.asTable(value, field);
    r.checkKeys(t, field, ['default', 'required', 'secret']);
    const def = r.optString(t, 'default', field);
    const required = r.optBool(t, 'required', field) ?? false;
    const secret = r.optBool(t, 'secret', field) ?? false;
    if (required && def !== undefined) {
      r.fail(field, 'has both required = true and a default', 'Keep one: remove the default, or remove required = true.');
    }
    if (!required && def === undefined) {
      r.fail(field, 'has neither required = true nor a default', `Add default = "..." or required = true to ${name}.`);
    }
    out[name] = def === undefined ? { required, secret } : { required, default: def, secret };
  }
  return out;
}

/**
 * Reads a component's variable templates and checks that every `{{ name }}`
 * names an application variable.
 */
export function readTemplates(r: FieldReader, t: Table, key: string, parent: string, appVariables: Record<string, VariableDecl>): Record<string, string> {
  const field = joinField(parent, key);
  const table = r.optTable(t, key, parent) ?? {};
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(table)) {
    const f = joinField(field, name);
    checkName(r, name, f, `${key} entry`);
    if (typeof value !== 'string') {
      r.fail(f, `must be a string, not ${describeValue(value)}`, `Write it as ${name} = "..." (use "{{ app_variable }}" to refer to an application variable).`);
    }
    checkTemplate(r, value, f, appVariables);
    out[name] = value;
  }
  return out;
}

/** Fails at `field` unless every `{{ name }}` in `template` names a declared application variable. */
export function checkTemplate(r: FieldReader, template: string, field: string, appVariables: Record<string, VariableDecl>): void {
  for (const ref of templateRefs(r, template, field)) {
    if (!(ref in appVariables)) {
      const known = Object.keys(appVariables);
      r.fail(
        field,
        `refers to "{{ ${ref} }}" but there is no application variable "${ref}"`,
        `Declare it under [variables] (e.g. ${ref} = { default = "..." })${known.length ? `; declared variables: ${known.join(', ')}` : ''}.`,
      );
    }
  }
}

function templateRefs(r: FieldReader, template: string, field: string): string[] {
  const refs: string[] = [];
  let rest = template;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) break;
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) r.fail(field, `template ${JSON.stringify(template)} has "{{" without a closing "}}"`, 'Close the reference, e.g. "{{ api_host }}".');
    const name = rest.slice(open + 2, close).trim();
    if (!VARIABLE_NAME.test(name)) {
      r.fail(
        field,
        `template ${JSON.stringify(template)} refers to "${name}", which is not a valid variable name`,
        'Refer to an application variable by its lower_snake_case name, e.g. "{{ api_host }}".',
      );
    }
    refs.push(name);
    rest = rest.slice(close + 2);
  }
  return refs;
}
