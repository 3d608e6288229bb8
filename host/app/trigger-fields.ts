/** `route` and `executor` of an HTTP trigger (v1 component `trigger`, v2 `[[trigger.http]]`). */
import { checkRoute } from '../triggers/http/route-syntax.js';
import { describeValue, isTable, type FieldReader, type Table } from './toml-fields.js';
import { joinField } from './toml-locate.js';

export interface RouteField {
  route?: string;
  private: boolean;
}

/** Reads `route` from a trigger table; `{ private = true }` only when allowPrivate. */
export function readRoute(r: FieldReader, t: Table, parent: string, allowPrivate: boolean): RouteField {
  const field = joinField(parent, 'route');
  const v = t['route'];
  if (v === undefined) r.fail(field, 'missing required key "route"', 'Add route = "/path" (or route = "/..." to match every path).');
  if (allowPrivate && isTable(v)) {
    r.checkKeys(v, field, ['private']);
    if (v['private'] !== true) {
      r.fail(joinField(field, 'private'), `must be true, not ${JSON.stringify(v['private']) ?? 'missing'}`, 'Use route = { private = true } for a component with no public route, or a route string.');
    }
    return { private: true };
  }
  if (typeof v !== 'string') {
    r.fail(field, `must be a string${allowPrivate ? ' or { private = true }' : ''}, not ${describeValue(v)}`, 'Write it as route = "/path".');
  }
  const checked = checkRoute(v);
  if (!checked.ok) r.fail(field, checked.problem, checked.fix);
  return { route: checked.route, private: false };
}

/** Reads the optional `executor` (a string or `{ type = ... }`); only "spin" is supported. */
export function readExecutor(r: FieldReader, t: Table, parent: string): string | undefined {
  const field = joinField(parent, 'executor');
  const v = t['executor'];
  if (v === undefined) return undefined;
  let type: unknown = v;
  if (isTable(v)) {
    type = v['type'];
    if (type === undefined) r.fail(joinField(field, 'type'), 'missing required key "type"', 'Write executor = { type = "spin" }, or remove executor.');
  }
  if (typeof type !== 'string') {
    r.fail(field, `must be { type = "spin" }, not ${describeValue(type)}`, 'Write executor = { type = "spin" }, or remove executor.');
  }
  if (type === 'wagi') {
    r.fail(field, 'the "wagi" executor is not supported', 'Rebuild the component for the Spin HTTP interface (wasi:http or fermyon:spin/inbound-http) and remove executor.');
  }
  if (type !== 'spin') {
    r.fail(field, `unknown executor type "${type}"`, 'Write executor = { type = "spin" }, or remove executor.');
  }
  if (isTable(v)) r.checkKeys(v, field, ['type']);
  return type;
}
