/** Which HTTP interface a component serves, from the exports jco reports. */
import { ComponentError } from '../../components/component-error.js';

export type HttpInterface = 'wasi-http' | 'wasi-http-p3' | 'inbound-http' | 'wagi';

// 0.2.x, and the two release candidates Spin 3 serves (Spin 2.0's and 2.1's), adapted to
// the 0.2 implementation by host/wasi/rc-*.ts.
const WASI_HTTP = /^wasi:http\/incoming-handler@0\.2\.(?:\d+|0-rc-2023-10-18|0-rc-2023-11-10)$/;
// Any other release candidate: shapes nobody has checked.
const WASI_HTTP_OTHER_RC = /^wasi:http\/incoming-handler@0\.2\.0-rc-\d{4}-\d{2}-\d{2}$/;
const INBOUND_HTTP = /^fermyon:spin\/inbound-http(@\d+\.\d+\.\d+)?$/;
// WASIp3 (the component model's async ABI): both spellings today's Spin SDKs build.
const WASI_HTTP_P3 = /^wasi:http\/handler@0\.3\.0(?:-rc-2026-03-15)?$/;
const CLI_RUN = /^wasi:cli\/run@0\.2\.\d+$/;

/** `executor`: the trigger's executor type ("wagi": the component must be a command, exporting wasi:cli/run). */
export function detectHttpInterface(componentId: string, exports: string[], executor?: string): HttpInterface {
  if (executor === 'wagi') {
    if (exports.some((e) => CLI_RUN.test(e))) return 'wagi';
    const listed = exports.filter((e) => e.includes(':')).join(', ') || 'nothing';
    throw new ComponentError(
      componentId,
      `its trigger uses executor = { type = "wagi" }, which runs a WASI command (a core module exporting _start, or a component exporting wasi:cli/run@0.2.x), but it exports ${listed}. Remove the executor to run it as a Spin HTTP component.`,
    );
  }
  const found: HttpInterface[] = [];
  if (exports.some((e) => WASI_HTTP.test(e))) found.push('wasi-http');
  if (exports.some((e) => WASI_HTTP_P3.test(e))) found.push('wasi-http-p3');
  if (exports.some((e) => INBOUND_HTTP.test(e))) found.push('inbound-http');
  if (found.length === 1) return found[0];
  const listed = exports.filter((e) => e.includes(':')).join(', ') || 'nothing';
  if (found.length === 0) {
    const rc = exports.find((e) => WASI_HTTP_OTHER_RC.test(e));
    if (rc) {
      throw new ComponentError(
        componentId,
        `it exports ${rc}, a release candidate of WASI 0.2 that spin-ts does not serve (it serves wasi:http/incoming-handler@0.2.x, @0.2.0-rc-2023-10-18 and @0.2.0-rc-2023-11-10). Rebuild it with a toolchain targeting wasi:http@0.2.0 or later.`,
      );
    }
    throw new ComponentError(
      componentId,
      `it exports neither wasi:http/incoming-handler@0.2.x nor fermyon:spin/inbound-http (it exports ${listed}). Build it for an HTTP trigger world.`,
    );
  }
  throw new ComponentError(componentId, `it exports both wasi:http/incoming-handler and fermyon:spin/inbound-http; an HTTP component must export exactly one.`);
}
