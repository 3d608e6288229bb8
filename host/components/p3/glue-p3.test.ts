import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinName, needsJspi, patchP3Glue, threadBuiltinOf } from './glue-p3.js';
import { promising, suspending, SuspensionTrap } from './jspi-standin.js';

const SUSPENDING_IMPORT = `function _suspendingImport(componentIdx, fn, syncOnly = false, switchesTask = false) {
    return function (...args) {
      const saved = CURRENT_TASK_META[componentIdx] ?? null;
      return (async () => {
        try {
          return await fn.apply(null, args);
        } finally {
          CURRENT_TASK_META[componentIdx] = saved;
          if (!switchesTask) { CURRENT_TASK_META.current = saved; }
        }
      })();
    };
  }
  const trampoline153 = new WebAssembly.Suspending(_suspendingImport(0, streamCancelRead.bind(null, {})));
  let trampoline2 = _trampoline2.manuallyAsync ? new WebAssembly.Suspending(_suspendingImport(0, _lowerImport.bind(null, {}))) : x;
  handle = WebAssembly.promising(exports1['[async-lift]wasi:http/handler@0.3.0#handle']);
`;

test('built-in names as the component model spells them', () => {
  assert.equal(builtinName('streamCancelRead'), 'stream.cancel-read');
  assert.equal(builtinName('waitableSetWait'), 'waitable-set.wait');
  assert.equal(builtinName('futureCancelWrite'), 'future.cancel-write');
  assert.equal(builtinName('asyncYield'), 'thread.yield');
});

test('the glue reaches the stand-in, not JSPI, and names what each wrapper wraps', () => {
  const out = patchP3Glue(SUSPENDING_IMPORT);
  assert.doesNotMatch(out, /WebAssembly\.(Suspending|promising)/);
  assert.match(out, /const trampoline153 = globalThis\["spin-ts\.p3-jspi"\]\.suspending\("stream\.cancel-read", _suspendingImport\(0, streamCancelRead/);
  assert.match(out, /\.suspending\(\(\) => _trampoline2\?\.fnName, _suspendingImport\(0, _lowerImport/);
  assert.match(out, /handle = globalThis\["spin-ts\.p3-jspi"\]\.promising\(exports1/);
  // _suspendingImport answers synchronously when the built-in did not wait
  assert.match(out, /let early;/);
  assert.match(out, /export const spinTsAsyncAbi = true;/);
});

test('a changed _suspendingImport is an error at transpile time, not a silent hang', () => {
  assert.throws(() => patchP3Glue('function _suspendingImport() { return (async () => 1)(); }'), /jco's _suspendingImport changed/);
});

test('the stand-in calls through, and traps naming the built-in when it would suspend', async () => {
  assert.equal(suspending('stream.cancel-read', () => 7)(), 7);
  assert.throws(
    () =>
      suspending(
        () => 'wasi:http/client@0.3.0#send',
        () => Promise.resolve(1),
      )(),
    (err: unknown) =>
      err instanceof SuspensionTrap && err instanceof WebAssembly.RuntimeError && /wasi:http\/client@0\.3\.0#send would have to suspend/.test(err.message),
  );
  assert.equal(await promising(() => 3)(), 3);
  const trapped = promising(() => {
    throw new WebAssembly.RuntimeError('unreachable');
  })() as Promise<unknown>;
  await assert.rejects(trapped, /unreachable/);
});

test('stackful lifts and thread.yield are found in the glue', () => {
  const stackful = `createNewCurrentTask({
        isAsync: true,
        entryFnName: 'exports0Handle',
        getCallbackFn: () => null,
        callingWasmExport: true,
      });
      _debugLog('[iface="wasi:http/handler@0.3.0", function="handle"][Instruction::CallWasm] enter');`;
  assert.match(needsJspi(stackful)[0]!, /its export wasi:http\/handler@0\.3\.0#handle is lifted async without a callback/);
  const callback = stackful.replace('getCallbackFn: () => null', 'getCallbackFn: () => callback_0');
  assert.deepEqual(needsJspi(callback), []);
  assert.match(needsJspi('new WebAssembly.Suspending(_suspendingImport(0, asyncYield.bind(null, {})))')[0]!, /thread\.yield/);
});

test('thread built-ins jco refuses or has not implemented are named from its error', () => {
  assert.equal(threadBuiltinOf('`thread.index` requires the component model threading feature (at offset 0xb)'), 'thread.index');
  assert.equal(threadBuiltinOf('not yet implemented: Trampoline::ThreadNewIndirect'), 'thread.new-indirect');
  assert.equal(threadBuiltinOf('some other failure'), undefined);
});
