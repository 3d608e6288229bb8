/**
 * Rewrites jco 1.35's WASIp3 glue so that callback-form components run on Node 20 (no JSPI):
 *
 * - every `new WebAssembly.Suspending(f)` becomes the stand-in's `suspending(name, f)`, and
 *   every `WebAssembly.promising(f)` its `promising(f)` (jspi-standin.ts), named after the
 *   built-in or import it wraps so that a trap says which one would have suspended;
 * - `_suspendingImport` answers synchronously when the built-in did not need to wait: jco
 *   wraps even a `stream.cancel-read` that completed at once in an async function, which
 *   would look like a suspension (the SDKs issue that cancel whenever they drop a read).
 *
 * And it reads from the glue what cannot run without JSPI at all, so `up` refuses it at start.
 */
import { JSPI_STANDIN } from './jspi-standin.js';

const STANDIN = `globalThis[${JSON.stringify(JSPI_STANDIN)}]`;

/** `streamCancelRead` → `stream.cancel-read`, `waitableSetWait` → `waitable-set.wait`. */
export function builtinName(jsName: string): string {
  const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/^-/, '');
  const m = /^(waitableSet|waitable|stream|future|subtask|task|context|backpressure|errorContext)([A-Z].*)$/.exec(jsName);
  if (m) return `${kebab(m[1]!)}.${kebab(m[2]!)}`;
  if (jsName === 'asyncYield') return 'thread.yield';
  return jsName;
}

const SITE = /((?:let|const) (trampoline\d+) = [^\n]*?)new WebAssembly\.Suspending\(_suspendingImport\((\d+), (\w+)/g;

function renameSuspending(js: string): string {
  let out = js.replace(SITE, (_all, head: string, trampoline: string, componentIdx: string, fn: string) => {
    const label = fn.startsWith('_lowerImport') ? `() => _${trampoline}?.fnName` : JSON.stringify(builtinName(fn));
    return `${head}${STANDIN}.suspending(${label}, _suspendingImport(${componentIdx}, ${fn}`;
  });
  // Any other wrapper (a shape this version of jco does not emit) still gets the stand-in.
  out = out.replace(/new WebAssembly\.Suspending\(/g, `${STANDIN}.suspending(undefined, `);
  return out.replace(/WebAssembly\.promising\(/g, `${STANDIN}.promising(`);
}

const ASYNC_BRANCH =
  /\n(\s*)return \(async \(\) => \{\n\s*try \{\n\s*return await fn\.apply\(null, args\);\n\s*\} finally \{\n\s*CURRENT_TASK_META\[componentIdx\] = saved;\n\s*if \(!switchesTask\) \{ CURRENT_TASK_META\.current = saved; \}\n\s*\}\n\s*\}\)\(\);/;

function answerSynchronously(js: string): string {
  if (!ASYNC_BRANCH.test(js)) throw new Error("jco's _suspendingImport changed: cannot make it answer synchronously (p3/glue-p3.ts)");
  return js.replace(
    ASYNC_BRANCH,
    (_all, indent: string) =>
      `\n${indent}let early;\n` +
      `${indent}try { early = fn.apply(null, args); } catch (err) { CURRENT_TASK_META[componentIdx] = saved; if (!switchesTask) { CURRENT_TASK_META.current = saved; } throw err; }\n` +
      `${indent}if (early === null || (typeof early !== 'object' && typeof early !== 'function') || typeof early.then !== 'function') {\n` +
      `${indent}  CURRENT_TASK_META[componentIdx] = saved;\n` +
      `${indent}  if (!switchesTask) { CURRENT_TASK_META.current = saved; }\n` +
      `${indent}  return early;\n` +
      `${indent}}\n` +
      `${indent}return (async () => {\n` +
      `${indent}  try {\n` +
      `${indent}    return await early;\n` +
      `${indent}  } finally {\n` +
      `${indent}    CURRENT_TASK_META[componentIdx] = saved;\n` +
      `${indent}    if (!switchesTask) { CURRENT_TASK_META.current = saved; }\n` +
      `${indent}  }\n` +
      `${indent}})();`,
  );
}

/** jco's glue reads process.env.JCO_DEBUG on every debug line (a crossing into C++ each time): read it once per instantiation. */
function readDebugOnce(js: string): string {
  return js.replace(
    /const _debugLog = \(\.\.\.args\) => \{\n(\s*)if \(!globalThis\?\.process\?\.env\?\.JCO_DEBUG\) \{ return; \}/g,
    'const _jcoDebug = !!globalThis?.process?.env?.JCO_DEBUG;\nconst _debugLog = (...args) => {\n$1if (!_jcoDebug) { return; }',
  );
}

/** Marks the module as WASIp3 glue for the worker (no snapshot, p3 imports, the JSPI stand-in). */
const MARKER = '\nexport const spinTsAsyncAbi = true;\n';

export function patchP3Glue(js: string): string {
  return readDebugOnce(renameSuspending(answerSynchronously(js))) + MARKER;
}

/** What in a component makes it impossible to run without JSPI, read from its (unpatched) glue: one line per reason. */
export function needsJspi(js: string): string[] {
  const reasons: string[] = [];
  // An exported async function whose task has no callback: a stackful lift.
  const task = /createNewCurrentTask\(\{([^}]*)\}\)/g;
  for (const m of js.matchAll(task)) {
    const body = m[1]!;
    if (!/isAsync: true/.test(body) || !/callingWasmExport: true/.test(body) || !/getCallbackFn: \(\) => null/.test(body)) continue;
    // The debug line the glue writes right after names the WIT function (`wasi:http/handler@0.3.0#handle`).
    const named = /\[iface="([^"]+)", function="([^"]+)"\]/.exec(js.slice(m.index, m.index + 4000));
    const name = named ? `${named[1]}#${named[2]}` : (/entryFnName: '([^']*)'/.exec(body)?.[1] ?? 'an export');
    reasons.push(`its export ${name} is lifted async without a callback (stackful): its core function keeps its stack while it waits, which needs JSPI`);
  }
  if (/_suspendingImport\(\d+, asyncYield\b/.test(js)) reasons.push('it imports the built-in thread.yield, which suspends the calling thread (JSPI)');
  return reasons;
}

/**
 * jco 1.35 cannot transpile the cooperative-thread built-ins at all: its validator refuses
 * them (`thread.index` requires the component model threading feature) or its bindgen
 * panics (not yet implemented: Trampoline::ThreadNewIndirect). The built-in, from either.
 */
export function threadBuiltinOf(message: string): string | undefined {
  const refused = /`(thread\.[a-z-]+)` requires the component model threading feature/.exec(message);
  if (refused) return refused[1];
  const m = /not yet implemented: Trampoline::(Thread\w+)/.exec(message);
  if (!m) return undefined;
  return `thread.${m[1]!
    .replace(/^Thread/, '')
    .replace(/WT$/, '')
    .replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
    .replace(/^-/, '')}`;
}
