/** Which HTTP interface a component serves, from the exports jco reports. */
import { ComponentError } from '../../components/component-error.js';

export type HttpInterface = 'wasi-http' | 'inbound-http';

const WASI_HTTP = /^wasi:http\/incoming-handler@0\.2\.\d+$/;
const INBOUND_HTTP = /^fermyon:spin\/inbound-http(@\d+\.\d+\.\d+)?$/;

export function detectHttpInterface(componentId: string, exports: string[]): HttpInterface {
  const found: HttpInterface[] = [];
  if (exports.some((e) => WASI_HTTP.test(e))) found.push('wasi-http');
  if (exports.some((e) => INBOUND_HTTP.test(e))) found.push('inbound-http');
  if (found.length === 1) return found[0];
  const listed = exports.filter((e) => e.includes(':')).join(', ') || 'nothing';
  if (found.length === 0) {
    throw new ComponentError(
      componentId,
      `it exports neither wasi:http/incoming-handler@0.2.x nor fermyon:spin/inbound-http (it exports ${listed}). Build it for an HTTP trigger world.`,
    );
  }
  throw new ComponentError(componentId, `it exports both wasi:http/incoming-handler and fermyon:spin/inbound-http; an HTTP component must export exactly one.`);
}
