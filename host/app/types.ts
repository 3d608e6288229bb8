/**
 * The one App model that spin.toml v1 and v2 both normalise into.
 * Everything after the manifest loader (factors, component host, triggers)
 * reads this and never the raw TOML.
 */

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
  aiModels: string[];
  allowedOutboundHosts: string[];
  keyValueStores: string[];
  sqliteDatabases: string[];
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
  /** Executor type: "spin" (default) or "wagi" (not supported: rejected at validation). */
  executor?: string;
}
