/**
 * Spin's `[outbound_http]` runtime-config section: `connection_pooling` (default true)
 * and `max_concurrent_requests` (default: no limit).
 */
import type { FieldReader, Table } from '../../app/toml-fields.js';

export interface OutboundHttpRuntimeConfig {
  connectionPooling: boolean;
  maxConcurrentRequests: number | undefined;
}

export const outboundHttpRuntimeConfig = {
  sections: ['outbound_http'],
  read(r: FieldReader, raw: Table): OutboundHttpRuntimeConfig {
    const t = r.optTable(raw, 'outbound_http', '');
    if (!t) return { connectionPooling: true, maxConcurrentRequests: undefined };
    r.checkKeys(t, 'outbound_http', ['connection_pooling', 'max_concurrent_requests']);
    return {
      connectionPooling: r.optBool(t, 'connection_pooling', 'outbound_http') ?? true,
      maxConcurrentRequests: r.optInt(t, 'max_concurrent_requests', 'outbound_http', 1),
    };
  },
};
