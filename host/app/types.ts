/**
 * The one App model that spin.toml v1 and v2 both normalise into.
 * Everything after the manifest loader (factors, component host, triggers)
 * reads this and never the raw TOML. The keys a host capability owns (ai_models,
 * allowed_outbound_hosts, key_value_stores, …) are read by that capability's factor
 * (a ComponentKeysOwner handed to the loader) and kept in `Component.factors`.
 */
import type { FieldReader, Table } from './toml-fields.js';
import type { ExecutorConfig } from './trigger-fields.js';

export interface App {
  /** Absolute path of the manifest file. */
  manifestPath: string;
  /** Directory that holds the manifest; relative paths resolve against it. */
  baseDir: string;
  /** 1 or 2: the manifest version as written. */
  manifestVersion: 1 | 2;
  name: string;
  version?: string;
  description?: string;
  authors: string[];
  /** Application variables, keyed by lower_snake name. */
  variables: Record<string, VariableDecl>;
  /** Components keyed by id, in declaration order. */
  components: Map<string, Component>;
  httpTriggers: HttpTrigger[];
  /** v1 `trigger.base` (default "/"). */
  httpBase: string;
  /** Triggers of every other type (`[[trigger.redis]]`, …), read by their TriggerOwner; in manifest order per type. */
  triggers: AppTrigger[];
  /** Each such type's app-level settings (v2 `[application.trigger.<type>]`, v1 the top-level `trigger` table), as its owner read them. */
  triggerSettings: Record<string, unknown>;
}

export interface VariableDecl {
  required: boolean;
  default?: string;
  secret: boolean;
}

export interface Component {
  id: string;
  /** Absolute path of the component's .wasm (resolved against baseDir). */
  source: string;
  /** Original source value as written, for messages. */
  sourceAsWritten: string;
  description?: string;
  /** What each factor read from its own keys of this component, by factor name. */
  factors: Record<string, unknown>;
  environment: Record<string, string>;
  /** Read-only preopens: guest path → absolute host path (a file or a directory). */
  files: FileMount[];
  excludeFiles: string[];
  /** Component variable templates, e.g. { api_url: "https://{{ api_host }}/x" }. */
  variables: Record<string, string>;
  build?: BuildSpec;
}

export interface FileMount {
  /** Absolute host path. */
  source: string;
  /** Absolute guest path (starts with "/"). */
  destination: string;
  /** true when source is a directory (glob matches are expanded to files). */
  isDirectory: boolean;
}

export interface BuildSpec {
  command: string[];
  /** Absolute working directory. */
  workdir: string;
  watch: string[];
}

export interface HttpTrigger {
  /** Trigger id when written, else generated. */
  id: string;
  /** Route as written (normalised: leading "/" added, trailing "/" removed, "/..." kept). Undefined when private. */
  route?: string;
  private: boolean;
  component: string;
  /** How the component runs: Spin's HTTP interfaces (absent or "spin") or WAGI (a WASI command). */
  executor?: ExecutorConfig;
}

/** What a key owner may look at while it reads one component's keys. */
export interface ComponentReadContext {
  baseDir: string;
  manifestVersion: 1 | 2;
  appVariables: Record<string, VariableDecl>;
}

/**
 * Component keys owned by someone outside the loader (a factor): the loader accepts these
 * keys and hands the component's table to `read`, whose result is kept in Component.factors[name].
 */
export interface ComponentKeysOwner {
  name: string;
  keys: readonly string[];
  /** Reads (and checks, failing through `r` with the field's position) this owner's keys of one component. */
  read(r: FieldReader, table: Table, field: string, ctx: ComponentReadContext): unknown;
}

/** A trigger of a type the loader does not know itself: it reads `id` and `component`, the type's owner the rest (`config`). */
export interface AppTrigger {
  type: string;
  /** As written, else generated as Spin does (`<component>-<type>-trigger`, `<type>-trigger<n>`; v1 `trigger-<component>`). */
  id: string;
  component: string;
  /** What the owner's readTrigger returned: opaque to the core. */
  config: unknown;
}

/** What a trigger owner may look at while it reads its tables. */
export interface TriggerReadContext {
  manifestVersion: 1 | 2;
  appVariables: Record<string, VariableDecl>;
  /** The type's app-level settings, as readSettings returned them (read before any trigger). */
  settings: unknown;
}

/**
 * A trigger type's manifest tables, owned by the trigger (host/triggers/<type>/): the loader
 * finds the tables, reads each trigger's `id` and `component` (a reference or an inline
 * component), generates ids, and hands the rest to the owner, keeping what it returns opaque.
 */
export interface TriggerOwner {
  /** The type as the manifest names it: `[[trigger.<type>]]`, `[application.trigger.<type>]`, v1 `trigger = { type = "<type>" }`. */
  type: string;
  /** The keys of one trigger besides `id` and `component` (v2 `[[trigger.<type>]]`; v1 a component's `trigger` table). */
  keys: readonly string[];
  /** The app-level table (v1: the top-level `trigger` table less `type`); undefined when the manifest has none. */
  readSettings(r: FieldReader, table: Table | undefined, field: string, ctx: Omit<TriggerReadContext, 'settings'>): unknown;
  /** One trigger's own keys (the loader has checked that no others are there). */
  readTrigger(r: FieldReader, table: Table, field: string, ctx: TriggerReadContext): unknown;
}
