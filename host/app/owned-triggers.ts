/**
 * Triggers of the types a TriggerOwner reads (every type but HTTP, which the loader still
 * reads itself): the loader's part is finding the tables, `id` and `component` (a reference or
 * an inline component) and Spin's generated ids; the owner reads the rest of each table.
 */
import type { AppTrigger, TriggerOwner, TriggerReadContext, VariableDecl } from './types.js';
import { COMPONENT_ID } from './component.js';
import { type FieldReader, type Table } from './toml-fields.js';
import { joinField } from './toml-locate.js';

/** One `[[trigger.<type>]]` entry, read but not yet given its generated ids. */
export interface PendingOwnedTrigger {
  type: string;
  field: string;
  id?: string;
  /** A component id, or the inline component table. */
  component: string | Table;
  config: unknown;
}

export interface OwnedTriggerTables {
  r: FieldReader;
  owners: readonly TriggerOwner[];
  appVariables: Record<string, VariableDecl>;
  /** The `[application.trigger]` table, when there is one. */
  appTriggers: Table | undefined;
  /** The `trigger` table. */
  triggers: Table;
  /** Trigger ids already written (HTTP ones), by the field that wrote each. */
  seenIds: Map<string, string>;
  /** Reads a trigger's `component`: an id the manifest declares, or an inline table. */
  componentRef(t: Table, field: string): string | Table;
}

/** Why a trigger type is refused, and what to do; `where` is how the manifest names its tables. */
export function unsupportedTrigger(type: string, where: string, owners: readonly TriggerOwner[]): { problem: string; fix: string } {
  const known = ['http', ...owners.map((o) => o.type)].map((t) => `"${t}"`).join(', ');
  return { problem: `trigger type "${type}" is not supported`, fix: `spin-ts runs triggers of type ${known}: remove ${where}, or use one of those.` };
}

/** The app-level settings of every owned type the manifest uses, read by each type's owner (v2). */
export function readOwnedSettingsV2(t: OwnedTriggerTables): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const owner of t.owners) {
    const table = t.appTriggers === undefined ? undefined : t.r.optTable(t.appTriggers, owner.type, 'application.trigger');
    if (table === undefined && t.triggers[owner.type] === undefined) continue;
    const ctx = { manifestVersion: 2 as const, appVariables: t.appVariables };
    settings[owner.type] = owner.readSettings(t.r, table, joinField('application.trigger', owner.type), ctx);
  }
  return settings;
}

/** Every `[[trigger.<type>]]` of the owned types, in manifest order per type. */
export function readOwnedTriggersV2(t: OwnedTriggerTables, settings: Record<string, unknown>): PendingOwnedTrigger[] {
  const r: FieldReader = t.r;
  const out: PendingOwnedTrigger[] = [];
  for (const owner of t.owners) {
    const list: unknown = t.triggers[owner.type];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      r.fail(
        joinField('trigger', owner.type),
        `must be a list of [[trigger.${owner.type}]] tables`,
        `Declare each trigger with a [[trigger.${owner.type}]] header.`,
      );
    }
    const ctx: TriggerReadContext = { manifestVersion: 2, appVariables: t.appVariables, settings: settings[owner.type] };
    for (const [i, entry] of list.entries()) {
      const field = joinField(joinField('trigger', owner.type), i);
      const table = r.asTable(entry, field);
      r.checkKeys(table, field, ['id', 'component', ...owner.keys]);
      const id = r.optString(table, 'id', field);
      if (id !== undefined) {
        const earlier = t.seenIds.get(id);
        if (earlier !== undefined) r.fail(joinField(field, 'id'), `duplicate trigger id "${id}" (also used by ${earlier})`, 'Give each trigger a unique id.');
        t.seenIds.set(id, field);
      }
      const component = t.componentRef(table, field);
      const p: PendingOwnedTrigger = { type: owner.type, field, component, config: owner.readTrigger(r, table, field, ctx) };
      if (id !== undefined) p.id = id;
      out.push(p);
    }
  }
  return out;
}

/**
 * Spin's generated ids (spin-manifest normalize.rs): a trigger without one gets
 * `<component>-<type>-trigger`, else `<type>-trigger<n>`; an inline component
 * `<trigger id>-component`, else `inline-component<n>`. `takenTriggerIds` and
 * `takenComponents` hold what the app already has (and are added to).
 */
export function assignOwnedIds(pending: PendingOwnedTrigger[], takenTriggerIds: Set<string>, takenComponents: Set<string>): AppTrigger[] {
  for (const p of pending) if (p.id !== undefined) takenTriggerIds.add(p.id);
  const counters = new Map<string, number>();
  let inlineCounter = 1;
  return pending.map((p) => {
    let id = p.id;
    if (id === undefined) {
      const natural = typeof p.component === 'string' ? `${p.component}-${p.type}-trigger` : undefined;
      if (natural !== undefined && !takenTriggerIds.has(natural)) id = natural;
      else {
        let n = counters.get(p.type) ?? 1;
        while (takenTriggerIds.has(`${p.type}-trigger${n}`)) n++;
        counters.set(p.type, n);
        id = `${p.type}-trigger${n}`;
      }
      takenTriggerIds.add(id);
    }
    let component: string;
    if (typeof p.component === 'string') component = p.component;
    else {
      const natural = `${id}-component`;
      if (COMPONENT_ID.test(natural) && !takenComponents.has(natural)) component = natural;
      else {
        while (takenComponents.has(`inline-component${inlineCounter}`)) inlineCounter++;
        component = `inline-component${inlineCounter}`;
      }
      takenComponents.add(component);
    }
    return { type: p.type, id, component, config: p.config };
  });
}
