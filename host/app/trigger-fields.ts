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
      r.fail(
        joinField(field, 'private'),
        `must be true, not ${JSON.stringify(v['private']) ?? 'missing'}`,
        'Use route = { private = true } for a component with no public route, or a route string.',
      );
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

/** How a trigger runs its component: Spin's HTTP interfaces, or WAGI (a WASI command: CGI environment, stdin and stdout). */
export type ExecutorConfig = { type: 'spin' } | WagiExecutor;

/** Spin's WAGI executor keys (spinframework/spin crates/http/src/config.rs `WagiTriggerConfig`). */
export interface WagiExecutor {
  type: 'wagi';
  /** Space-separated argv; `${SCRIPT_NAME}` becomes the request path and `${ARGS}` the query with `&` → space. */
  argv: string;
}

export const WAGI_DEFAULT_ARGV = '${SCRIPT_NAME} ${ARGS}';

const EXECUTOR_FIX = 'Write executor = { type = "spin" } or executor = { type = "wagi" }, or remove executor.';

/** Reads the optional `executor` (a string or `{ type = ... }`): "spin", or "wagi" with its `entrypoint` (only "_start", as Spin) and `argv`. */
export function readExecutor(r: FieldReader, t: Table, parent: string): ExecutorConfig | undefined {
  const field = joinField(parent, 'executor');
  const v = t['executor'];
  if (v === undefined) return undefined;
  let type: unknown = v;
  if (isTable(v)) {
    type = v['type'];
    if (type === undefined) r.fail(joinField(field, 'type'), 'missing required key "type"', EXECUTOR_FIX);
  }
  if (typeof type !== 'string') r.fail(field, `must be { type = "spin" } or { type = "wagi" }, not ${describeValue(type)}`, EXECUTOR_FIX);
  if (type === 'spin') {
    if (isTable(v)) r.checkKeys(v, field, ['type']);
    return { type: 'spin' };
  }
  if (type !== 'wagi') r.fail(field, `unknown executor type "${type}"`, EXECUTOR_FIX);
  if (!isTable(v)) return { type: 'wagi', argv: WAGI_DEFAULT_ARGV };
  r.checkKeys(v, field, ['type', 'entrypoint', 'argv']);
  const entrypoint = v['entrypoint'];
  if (entrypoint !== undefined && entrypoint !== '_start') {
    r.fail(
      joinField(field, 'entrypoint'),
      `must be "_start", not ${JSON.stringify(entrypoint)} (Spin refuses any other entrypoint too: it is deprecated)`,
      'Remove entrypoint: a WAGI module runs from its _start export.',
    );
  }
  const argv = v['argv'];
  if (argv !== undefined && typeof argv !== 'string') {
    r.fail(joinField(field, 'argv'), `must be a string, not ${describeValue(argv)}`, 'Write argv = "${SCRIPT_NAME} ${ARGS}" (space-separated).');
  }
  return { type: 'wagi', argv: (argv as string | undefined) ?? WAGI_DEFAULT_ARGV };
}
