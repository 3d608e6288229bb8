/** spin.toml version 2 (`spin_manifest_version = 2`) → App parts. */
import type { Component, HttpTrigger, TriggerOwner } from './types.js';
import { checkComponentId, COMPONENT_ID, readComponent, type ComponentContext } from './component.js';
import type { AppParts } from './manifest-v1.js';
import { checkRoute } from '../triggers/http/route-syntax.js';
import { closest } from './suggest.js';
import { isTable, type FieldReader, type Table } from './toml-fields.js';
import { joinField } from './toml-locate.js';
import { assignOwnedIds, readOwnedSettingsV2, readOwnedTriggersV2, unsupportedTrigger, type OwnedTriggerTables } from './owned-triggers.js';
import { readExecutor, readRoute, type ExecutorConfig } from './trigger-fields.js';
import { readAppVariables } from './variables.js';

const TOP_KEYS = ['spin_manifest_version', 'application', 'variables', 'trigger', 'component'];
const APP_KEYS = ['name', 'version', 'description', 'authors', 'trigger', 'tool'];
const TRIGGER_KEYS = ['id', 'route', 'component', 'executor'];

/** A trigger read but not yet given its generated ids. */
interface PendingTrigger {
  field: string;
  id?: string;
  route?: string;
  private: boolean;
  executor?: ExecutorConfig;
  /** Referenced component id, or the inline component table. */
  component: string | Table;
}

export async function readV2(ctx: Omit<ComponentContext, 'appVariables' | 'manifestVersion'>, root: Table): Promise<AppParts> {
  const r: FieldReader = ctx.r;
  r.checkKeys(root, '', TOP_KEYS);
  if (root['application'] === undefined) {
    r.fail('application', 'missing the [application] table', 'Add [application] with name = "my-app".');
  }
  const app = r.asTable(root['application'], 'application');
  r.checkKeys(app, 'application', APP_KEYS);
  const name = r.reqString(app, 'name', 'application', 'Add name = "my-app" under [application].');
  const httpBase = readAppTrigger(r, app, ctx.triggerOwners);
  if (app['tool'] !== undefined) r.asTable(app['tool'], 'application.tool');
  const variables = readAppVariables(r, root);
  const cctx: ComponentContext = { ...ctx, manifestVersion: 2, appVariables: variables };

  const components = new Map<string, Component>();
  for (const [id, value] of Object.entries(r.optTable(root, 'component', '') ?? {})) {
    const field = joinField('component', id);
    checkComponentId(r, id, field);
    components.set(id, await readComponent(cctx, r.asTable(value, field), field, id));
  }

  const triggerTables = readTriggerTables(r, root, ctx.triggerOwners);
  const pending = readHttpTriggers(r, triggerTables, components);
  const owned: OwnedTriggerTables = {
    r,
    owners: ctx.triggerOwners,
    appVariables: variables,
    appTriggers: r.optTable(app, 'trigger', 'application'),
    triggers: triggerTables,
    seenIds: new Map(pending.flatMap((p) => (p.id === undefined ? [] : [[p.id, p.field] as const]))),
    componentRef: (t, field) => readComponentRef(r, t, field, components),
  };
  const triggerSettings = readOwnedSettingsV2(owned);
  const ownedPending = readOwnedTriggersV2(owned, triggerSettings);
  const httpTriggers = assignIds(pending, components);
  for (const [i, p] of pending.entries()) {
    if (typeof p.component === 'string') continue;
    const id = httpTriggers[i]!.component;
    components.set(id, await readComponent(cctx, p.component, joinField(p.field, 'component'), id));
  }
  const triggers = assignOwnedIds(ownedPending, new Set(httpTriggers.map((t) => t.id)), new Set(components.keys()));
  for (const [i, p] of ownedPending.entries()) {
    if (typeof p.component === 'string') continue;
    const id = triggers[i]!.component;
    components.set(id, await readComponent(cctx, p.component, joinField(p.field, 'component'), id));
  }

  const parts: AppParts = {
    name,
    authors: r.stringList(app, 'authors', 'application'),
    variables,
    components,
    httpTriggers,
    httpBase,
    triggers,
    triggerSettings,
  };
  const version = r.optString(app, 'version', 'application');
  const description = r.optString(app, 'description', 'application');
  if (version !== undefined) parts.version = version;
  if (description !== undefined) parts.description = description;
  return parts;
}

/** `[application.trigger.http] base = "/"`; another type's table is its owner's (readOwnedSettingsV2). */
function readAppTrigger(r: FieldReader, app: Table, owners: readonly TriggerOwner[]): string {
  const t = r.optTable(app, 'trigger', 'application');
  if (!t) return '/';
  for (const type of Object.keys(t)) {
    if (type !== 'http' && !owners.some((o) => o.type === type)) {
      const { problem, fix } = unsupportedTrigger(type, `[application.trigger.${type}] and [[trigger.${type}]]`, owners);
      r.fail(joinField('application.trigger', type), problem, fix);
    }
  }
  const http = r.optTable(t, 'http', 'application.trigger');
  if (!http) return '/';
  r.checkKeys(http, 'application.trigger.http', ['base']);
  const base = r.optString(http, 'base', 'application.trigger.http') ?? '/';
  const checked = checkRoute(base);
  if (!checked.ok) r.fail('application.trigger.http.base', checked.problem, checked.fix);
  return checked.route;
}

/** The `trigger` table, each of whose types is HTTP or an owner's. */
function readTriggerTables(r: FieldReader, root: Table, owners: readonly TriggerOwner[]): Table {
  if (root['trigger'] === undefined) {
    r.fail('trigger', 'the application has no triggers', 'Add a [[trigger.http]] table with route and component.');
  }
  const triggers = r.asTable(root['trigger'], 'trigger');
  for (const type of Object.keys(triggers)) {
    if (type !== 'http' && !owners.some((o) => o.type === type)) {
      const { problem, fix } = unsupportedTrigger(type, `[[trigger.${type}]]`, owners);
      r.fail(joinField('trigger', type), problem, fix);
    }
  }
  return triggers;
}

function readHttpTriggers(r: FieldReader, triggers: Table, components: Map<string, Component>): PendingTrigger[] {
  const list = triggers['http'];
  // An app of other triggers only (Redis) has no HTTP list.
  if (list === undefined && Object.keys(triggers).length > 0) return [];
  if (!Array.isArray(list)) {
    r.fail('trigger.http', 'must be a list of [[trigger.http]] tables', 'Declare each trigger with a [[trigger.http]] header.');
  }
  const seenIds = new Map<string, number>();
  return list.map((entry, i): PendingTrigger => {
    const field = joinField('trigger.http', i);
    const t = r.asTable(entry, field);
    r.checkKeys(t, field, TRIGGER_KEYS);
    const id = r.optString(t, 'id', field);
    if (id !== undefined) {
      const earlier = seenIds.get(id);
      if (earlier !== undefined)
        r.fail(joinField(field, 'id'), `duplicate trigger id "${id}" (also used by trigger.http[${earlier}])`, 'Give each trigger a unique id.');
      seenIds.set(id, i);
    }
    const route = readRoute(r, t, field, true);
    const executor = readExecutor(r, t, field);
    const component = readComponentRef(r, t, field, components);
    const p: PendingTrigger = { field, private: route.private, component };
    if (id !== undefined) p.id = id;
    if (route.route !== undefined) p.route = route.route;
    if (executor !== undefined) p.executor = executor;
    return p;
  });
}

function readComponentRef(r: FieldReader, t: Table, field: string, components: Map<string, Component>): string | Table {
  const f = joinField(field, 'component');
  const v = t['component'];
  if (v === undefined) r.fail(f, 'missing required key "component"', 'Add component = "<component id>" naming a [component.<id>] table.');
  if (isTable(v)) return v;
  if (typeof v !== 'string') r.fail(f, 'must be a component id or an inline component table', 'Write component = "<component id>".');
  if (!components.has(v)) {
    const known = [...components.keys()];
    const guess = closest(v, known);
    r.fail(
      f,
      `no component named "${v}"${known.length ? `; known components: ${known.join(', ')}` : ' (the manifest declares no components)'}`,
      guess ? `Did you mean "${guess}"? Otherwise add a [component.${v}] table.` : `Add a [component.${v}] table, or name one of the known components.`,
    );
  }
  return v;
}

/** Generates missing trigger ids and inline component ids the way Spin does. */
function assignIds(pending: PendingTrigger[], components: Map<string, Component>): HttpTrigger[] {
  const triggerIds = new Set(pending.flatMap((p) => (p.id === undefined ? [] : [p.id])));
  let triggerCounter = 1;
  let inlineCounter = 1;
  const taken = new Set(components.keys());
  return pending.map((p) => {
    let id = p.id;
    if (id === undefined) {
      const natural = typeof p.component === 'string' ? `${p.component}-http-trigger` : undefined;
      if (natural !== undefined && !triggerIds.has(natural)) id = natural;
      else {
        while (triggerIds.has(`http-trigger${triggerCounter}`)) triggerCounter++;
        id = `http-trigger${triggerCounter}`;
      }
      triggerIds.add(id);
    }
    let component: string;
    if (typeof p.component === 'string') component = p.component;
    else {
      const natural = p.id !== undefined ? `${p.id}-component` : 'inline-component';
      if (COMPONENT_ID.test(natural) && !taken.has(natural)) component = natural;
      else {
        while (taken.has(`inline-component${inlineCounter}`)) inlineCounter++;
        component = `inline-component${inlineCounter}`;
      }
      taken.add(component);
    }
    const trigger: HttpTrigger = { id, private: p.private, component };
    if (p.route !== undefined) trigger.route = p.route;
    if (p.executor !== undefined) trigger.executor = p.executor;
    return trigger;
  });
}
