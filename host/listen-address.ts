/** `host:port` as the --listen flags take it (`[::1]:3000` for IPv6; port 0 picks a free one). */
export function parseListenAddress(flag: string, value: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new Error(`${flag}: '${value}' is not host:port (e.g. 127.0.0.1:3000)`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}
