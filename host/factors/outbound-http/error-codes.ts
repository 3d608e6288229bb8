/**
 * Transport failures (undici and Node socket/TLS errors) mapped to wasi:http/types
 * `error-code` cases, so a guest sees connection-refused, DNS-error, TLS-certificate-error…
 * rather than one opaque failure.
 */
import type { ErrorCode } from './api.js';

const TLS_CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The most specific code: a socket or TLS error's own code beats undici's wrapper code. */
function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: unknown } | undefined;
  const inner = e?.cause && e.cause !== err ? codeOf(e.cause) : undefined;
  return inner ?? (typeof e?.code === 'string' ? e.code : undefined);
}

export function errorCodeOf(err: unknown): ErrorCode {
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return { tag: 'DNS-error', val: { rcode: 'address not available', infoCode: 0 } };
    case 'ECONNREFUSED':
      return { tag: 'connection-refused' };
    case 'ECONNRESET':
      return { tag: 'connection-reset' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { tag: 'destination-unavailable' };
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return { tag: 'connection-timeout' };
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return { tag: 'connection-read-timeout' };
    case 'UND_ERR_HEADERS_OVERFLOW':
      return { tag: 'HTTP-response-header-section-size' };
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return { tag: 'HTTP-response-body-size' };
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
      return { tag: 'HTTP-request-body-size' };
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'EPIPE':
      return { tag: 'connection-terminated' };
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_STATUS':
    case 'HPE_INVALID_HEADER_TOKEN':
      return { tag: 'HTTP-protocol-error' };
  }
  if (code && TLS_CERT_CODES.has(code)) return { tag: 'TLS-certificate-error' };
  if (code?.startsWith('ERR_SSL_') || code?.startsWith('ERR_TLS_')) return { tag: 'TLS-protocol-error' };
  if (/alert/i.test(message) && /ssl|tls/i.test(message)) return { tag: 'TLS-alert-received', val: { alertId: undefined, alertMessage: message } };
  return { tag: 'internal-error', val: message };
}
