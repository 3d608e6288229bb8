/**
 * HTTP trigger route syntax, the one place for it: normalisation (routes.ts matches on
 * the result) and validation (the manifest readers report what is wrong and how to fix it).
 * `/cart`, `/users/:id`, `/users/...`, `/...`; a leading "/" is added and a
 * trailing "/" removed (`/` itself and a final `/...` stay as they are).
 */

export type RouteCheck = { ok: true; route: string } | { ok: false; problem: string; fix: string };

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** RFC 3986 path characters (pchar), "/" aside; "%" must start a %XX escape. */
const PATH_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%]$/;

/** Leading "/" added, one trailing "/" removed ("/" stays "/"). Does not touch "/...". */
export function normaliseRoute(route: string): string {
  let r = route.startsWith('/') ? route : `/${route}`;
  if (r.length > 1 && r.endsWith('/')) r = r.slice(0, -1);
  return r;
}

/** Validates a route as written and returns its normalised form. */
export function checkRoute(written: string): RouteCheck {
  const bad = (problem: string, fix: string): RouteCheck => ({ ok: false, problem, fix });
  const shown = JSON.stringify(written);
  for (const [ch, name] of [
    ['?', 'a query string'],
    ['#', 'a fragment'],
  ] as const) {
    if (written.includes(ch)) {
      return bad(`route ${shown} contains "${ch}" (${name})`, 'Routes match paths only: remove everything from the "' + ch + '" on.');
    }
  }
  const route = normaliseRoute(written);
  if (route === '/') return { ok: true, route };

  const segments = route.slice(1).split('/');
  const params = new Set<string>();
  for (const [i, seg] of segments.entries()) {
    const last = i === segments.length - 1;
    if (seg === '') {
      return bad(`route ${shown} has an empty path segment ("//")`, 'Remove the doubled "/".');
    }
    if (seg === '...') {
      if (!last) return bad(`route ${shown} uses "..." before the end`, 'A wildcard "/..." may only be the final segment, e.g. "/users/...".');
      continue;
    }
    if (seg.includes('...')) {
      return bad(`route ${shown} has "..." inside a segment`, 'Use "/..." as a segment of its own at the end, e.g. "/users/...".');
    }
    if (seg.startsWith(':')) {
      const name = seg.slice(1);
      if (name === '') return bad(`route ${shown} has an empty ":" parameter`, 'Name the parameter, e.g. "/users/:id".');
      if (!PARAM_NAME.test(name)) {
        return bad(
          `route ${shown} has an invalid parameter name "${name}"`,
          'Parameter names use letters, digits, "_" and "-" and start with a letter or "_", e.g. ":user_id".',
        );
      }
      if (params.has(name)) return bad(`route ${shown} uses the parameter ":${name}" twice`, 'Give each parameter a distinct name.');
      params.add(name);
      continue;
    }
    for (const ch of seg) {
      if (!PATH_CHAR.test(ch)) {
        return bad(
          `route ${shown} contains the character ${JSON.stringify(ch)}, which is not valid in a URL path`,
          'Percent-encode it (e.g. %20 for a space) or remove it.',
        );
      }
    }
    if (/%(?![0-9A-Fa-f]{2})/.test(seg)) {
      return bad(`route ${shown} has a "%" that does not start a %XX escape`, 'Write "%" as %25, or complete the escape.');
    }
  }
  return { ok: true, route };
}
