/** spin.toml version 1 (`spin_manifest_version = "1"`) → App parts. */
import type { App, AppTrigger, Component, HttpTrigger, TriggerOwner } from './types.js';
import { COMPONENT_ID, checkComponentId, componentKeys, readComponent, type ComponentContext } from './component.js';
import { checkRoute } from '../triggers/http/route-syntax.js';
import type { FieldReader, Table } from './toml-fields.js';
import { joinField } from './toml-locate.js';
import { unsupportedTrigger } from './owned-triggers.js';
import { readExecutor, readRoute } from './trigger-fields.js';
import { readAppVariables } from './variables.js';

export type AppParts = Omit<App, 'manifestPath' | 'baseDir' | 'manifestVersion'>;

const TOP_KEYS = ['spin_manifest_version', 'spin_version', 'name', 'version', 'description', 'authors', 'trigger', 'variables', 'component'];

export async function readV1(ctx: Omit<ComponentContext, 'appVariables' | 'manifestVersion'>, root: Table): Promise<AppParts> {
  const r: FieldReader = ctx.r;
  r.checkKeys(root, '', TOP_KEYS);
  const name = r.reqString(root, 'name', '', 'Add name = "my-app" at the top of the file.');
  const variables = readAppVariables(r, root);
  const appTrigger = readAppTrigger(ctx, root, variables);
  const cctx: ComponentContext = { ...ctx, manifestVersion: 1, appVariables: variables };

  const list = root['component'] ?? [];
  if (!Array.isArray(list)) {
    r.fail('component', 'must be a list of [[component]] tables', 'Declare each component with a [[component]] header.');
  }
  const components = new Map<string, Component>();
  const firstIndex = new Map<string, number>();
  const httpTriggers: HttpTrigger[] = [];
  const triggers: AppTrigger[] = [];
  for (const [i, entry] of list.entries()) {
    const field = joinField('component', i);
    const t = r.asTable(entry, field);
    r.checkKeys(t, field, componentKeys(1, ctx.owners));
    const written = r.reqString(t, 'id', field, 'Add id = "<kebab-case id>" to the component.');
    const id = v1ComponentId(written);
    checkComponentId(r, id, joinField(field, 'id'));
    const earlier = firstIndex.get(id);
    if (earlier !== undefined) {
      const as = written === id ? '' : ` (read as "${id}")`;
      r.fail(joinField(field, 'id'), `duplicate component id "${written}"${as}, also used by component[${earlier}]`, 'Give each component a unique id.');
    }
    firstIndex.set(id, i);
    const triggerField = joinField(field, 'trigger');
    const owner = appTrigger.owner;
    if (t['trigger'] === undefined) {
      const fix = owner
        ? `Add trigger = { ${owner.keys.join(', ')} } (the ${owner.type} trigger's keys) to the component.`
        : 'Add trigger = { route = "/path" } to the component.';
      r.fail(triggerField, `component "${id}" has no trigger`, fix);
    }
    const trig = r.asTable(t['trigger'], triggerField);
    if (owner) {
      // Spin's v1 → v2 conversion: the component's trigger table is its trigger's config, with the id `trigger-<component>`.
      r.checkKeys(trig, triggerField, owner.keys);
      const config = owner.readTrigger(r, trig, triggerField, { manifestVersion: 1, appVariables: variables, settings: appTrigger.settings });
      components.set(id, await readComponent(cctx, t, field, id));
      triggers.push({ type: owner.type, id: `trigger-${id}`, component: id, config });
      continue;
    }
    r.checkKeys(trig, triggerField, ['route', 'executor']);
    const route = readRoute(r, trig, triggerField, false);
    const executor = readExecutor(r, trig, triggerField);
    components.set(id, await readComponent(cctx, t, field, id));
    const trigger: HttpTrigger = { id: `trigger-${id}`, private: false, component: id };
    if (route.route !== undefined) trigger.route = route.route;
    if (executor !== undefined) trigger.executor = executor;
    httpTriggers.push(trigger);
  }

  const parts: AppParts = {
    name,
    authors: r.stringList(root, 'authors', ''),
    variables,
    components,
    httpTriggers,
    httpBase: appTrigger.base,
    triggers,
    triggerSettings: appTrigger.owner ? { [appTrigger.owner.type]: appTrigger.settings } : {},
  };
  const version = r.optString(root, 'version', '');
  const description = r.optString(root, 'description', '');
  if (version !== undefined) parts.version = version;
  if (description !== undefined) parts.description = description;
  return parts;
}

/**
 * A v1 id as Spin's v1 → v2 conversion makes it: kept when it is already kebab-case, else
 * with each "_" turned into "-" and lowercased (`fileserver_static` → `fileserver-static`,
 * `mixedCase` → `mixedcase`). The result must then be kebab-case.
 */
export function v1ComponentId(id: string): string {
  if (COMPONENT_ID.test(id)) return id;
  const converted = id.replaceAll('_', '-').toLowerCase();
  return COMPONENT_ID.test(converted) ? converted : id;
}

/** The app-level `trigger = { type = "http", base = "/" }`, or another type's table, read by its owner. */
function readAppTrigger(
  ctx: Pick<ComponentContext, 'r' | 'triggerOwners'>,
  root: Table,
  appVariables: App['variables'],
): { base: string; owner?: TriggerOwner; settings?: unknown } {
  const r: FieldReader = ctx.r;
  if (root['trigger'] === undefined) {
    r.fail('trigger', 'missing required key "trigger"', 'Add trigger = { type = "http", base = "/" } at the top of the file.');
  }
  const t = r.asTable(root['trigger'], 'trigger');
  // The type first: another trigger's keys (a Redis trigger's `address`) are not the problem.
  const type = r.reqString(t, 'type', 'trigger', 'Add type = "http" to the trigger table.');
  const owner = ctx.triggerOwners.find((o) => o.type === type);
  if (owner) {
    const rest = { ...t };
    delete rest['type'];
    return { base: '/', owner, settings: owner.readSettings(r, rest, 'trigger', { manifestVersion: 1, appVariables }) };
  }
  if (type !== 'http') {
    const { problem, fix } = unsupportedTrigger(type, `trigger = { type = "${type}" }`, ctx.triggerOwners);
    r.fail('trigger.type', problem, fix);
  }
  r.checkKeys(t, 'trigger', ['type', 'base']);
  const base = r.optString(t, 'base', 'trigger') ?? '/';
  const checked = checkRoute(base);
  if (!checked.ok) r.fail('trigger.base', checked.problem, checked.fix);
  return { base: checked.route };
}
