import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { Router, RouteError, isReservedPath, parseRoute, reservedPathAction, type ReservedPathAction, type RouteEntryInput } from './routes.js';
import { normaliseRoute } from './route-syntax.js';

/** Routes given as [route, component]; triggerId is `t<index>`. */
function router(routes: Array<[string, string]>, base?: string): Router {
  const entries: RouteEntryInput[] = routes.map(([route, component], i) => ({
    route,
    component,
    triggerId: `t${i}`,
  }));
  return new Router(entries, base === undefined ? {} : { base });
}

interface MatchCase {
  rule: string;
  routes: Array<[string, string]>;
  path: string;
  /** undefined: no match. */
  component?: string;
  route?: string;
  pathInfo?: string;
  params?: Record<string, string>;
  base?: string;
  matchedRoute?: string;
}

const matchCases: MatchCase[] = [
  { rule: 'exact', routes: [['/cart', 'cart']], path: '/cart', component: 'cart', route: '/cart', pathInfo: '', params: {} },
  { rule: 'exact does not match a longer path', routes: [['/cart', 'cart']], path: '/cart/checkout' },
  { rule: 'exact does not match a prefix', routes: [['/cart/checkout', 'co']], path: '/cart' },
  { rule: 'exact root', routes: [['/', 'root']], path: '/', component: 'root', route: '/', pathInfo: '' },
  { rule: 'exact root does not match others', routes: [['/', 'root']], path: '/a' },
  { rule: 'param', routes: [['/users/:id', 'user']], path: '/users/42', component: 'user', params: { id: '42' }, pathInfo: '' },
  { rule: 'param needs a segment', routes: [['/users/:id', 'user']], path: '/users' },
  { rule: 'param needs a non-empty segment', routes: [['/users/:id', 'user']], path: '/users/' },
  { rule: 'param is one segment only', routes: [['/users/:id', 'user']], path: '/users/42/edit' },
  {
    rule: 'multiple params',
    routes: [['/orgs/:org/repos/:repo', 'repo']],
    path: '/orgs/acme/repos/widgets',
    component: 'repo',
    params: { org: 'acme', repo: 'widgets' },
  },
  { rule: 'param then wildcard', routes: [['/1/:two/...', 'c']], path: '/1/2/3', component: 'c', params: { two: '2' }, pathInfo: '/3' },
  { rule: 'wildcard: bare prefix → empty path-info', routes: [['/test/...', 'w']], path: '/test', component: 'w', route: '/test/...', pathInfo: '' },
  { rule: 'wildcard: prefix + / → path-info /', routes: [['/test/...', 'w']], path: '/test/', component: 'w', pathInfo: '/' },
  { rule: 'wildcard: one segment', routes: [['/test/...', 'w']], path: '/test/hello', component: 'w', pathInfo: '/hello' },
  { rule: 'wildcard: trailing slash kept', routes: [['/test/...', 'w']], path: '/test/hello/', component: 'w', pathInfo: '/hello/' },
  { rule: 'wildcard: deep path', routes: [['/users/...', 'w']], path: '/users/1/edit', component: 'w', pathInfo: '/1/edit' },
  { rule: 'wildcard: not a string prefix', routes: [['/users/...', 'w']], path: '/usersx' },
  { rule: 'wildcard: not a parent', routes: [['/users/...', 'w']], path: '/' },
  { rule: 'catch-all /... matches /', routes: [['/...', 'all']], path: '/', component: 'all', route: '/...', pathInfo: '/' },
  { rule: 'catch-all /... matches deep paths', routes: [['/...', 'all']], path: '/1/2/3', component: 'all', pathInfo: '/1/2/3' },
  { rule: 'empty request path is treated as /', routes: [['/...', 'all']], path: '', component: 'all', pathInfo: '/' },
  {
    rule: 'precedence: exact beats param beats wildcard (exact)',
    routes: [
      ['/users/...', 'wild'],
      ['/users/:id', 'param'],
      ['/users/list', 'exact'],
    ],
    path: '/users/list',
    component: 'exact',
  },
  {
    rule: 'precedence: exact beats param beats wildcard (param)',
    routes: [
      ['/users/list', 'exact'],
      ['/users/:id', 'param'],
      ['/users/...', 'wild'],
    ],
    path: '/users/7',
    component: 'param',
    params: { id: '7' },
  },
  {
    rule: 'precedence: exact beats param beats wildcard (wildcard)',
    routes: [
      ['/users/:id', 'param'],
      ['/users/...', 'wild'],
      ['/users/list', 'exact'],
    ],
    path: '/users/7/edit',
    component: 'wild',
    pathInfo: '/7/edit',
  },
  {
    rule: 'precedence: exact beats catch-all',
    routes: [
      ['/one', 'one'],
      ['/...', 'all'],
    ],
    path: '/one',
    component: 'one',
  },
  {
    rule: 'precedence: exact P beats P/... on P (fewer segments)',
    routes: [
      ['/users', 'list'],
      ['/users/...', 'wild'],
    ],
    path: '/users',
    component: 'list',
  },
  {
    rule: 'precedence: exact P beats P/... on P/ (trailing slash)',
    routes: [
      ['/users/...', 'wild'],
      ['/users', 'list'],
    ],
    path: '/users/',
    component: 'list',
  },
  {
    rule: 'precedence: first differing segment decides (exact before param)',
    routes: [
      ['/:a/b', 'param-first'],
      ['/a/:b', 'exact-first'],
    ],
    path: '/a/b',
    component: 'exact-first',
    params: { b: 'b' },
  },
  {
    rule: 'precedence: exact-prefix wildcard beats leading param',
    routes: [
      ['/:x/b/c', 'param'],
      ['/a/...', 'wild'],
    ],
    path: '/a/b/c',
    component: 'wild',
    pathInfo: '/b/c',
  },
  {
    rule: 'precedence: backtracks when the exact branch dead-ends',
    routes: [
      ['/a/b/c', 'abc'],
      ['/a/:x/d', 'axd'],
    ],
    path: '/a/b/d',
    component: 'axd',
    params: { x: 'b' },
  },
  {
    rule: 'deeper wildcard beats shallower',
    routes: [
      ['/one/...', 'one'],
      ['/one/two/...', 'two'],
      ['/one/two/three/...', 'three'],
    ],
    path: '/one/two/three/four',
    component: 'three',
    pathInfo: '/four',
  },
  {
    rule: 'deeper wildcard beats shallower regardless of order',
    routes: [
      ['/one/two/three/...', 'three'],
      ['/one/two/...', 'two'],
      ['/one/...', 'one'],
    ],
    path: '/one/two/x',
    component: 'two',
    pathInfo: '/x',
  },
  {
    rule: 'shallower wildcard still serves what the deeper one does not',
    routes: [
      ['/one/two/...', 'two'],
      ['/one/...', 'one'],
    ],
    path: '/one/zzz',
    component: 'one',
    pathInfo: '/zzz',
  },
  {
    rule: 'identical routes: last declared wins',
    routes: [
      ['/foo', 'first'],
      ['/foo', 'second'],
    ],
    path: '/foo',
    component: 'second',
  },
  {
    rule: 'identical wildcard routes: last declared wins',
    routes: [
      ['/...', 'first'],
      ['/...', 'second'],
    ],
    path: '/x',
    component: 'second',
  },
  {
    rule: 'same pattern, other param name: last declared wins',
    routes: [
      ['/u/:a', 'first'],
      ['/u/:b', 'second'],
    ],
    path: '/u/1',
    component: 'second',
    params: { b: '1' },
  },
  { rule: 'query ignored (exact)', routes: [['/cart', 'cart']], path: '/cart?x=1&y=/2', component: 'cart' },
  {
    rule: 'query ignored (wildcard path-info)',
    routes: [['/...', 'all']],
    path: '/this/should/be/captured?abc=def',
    component: 'all',
    pathInfo: '/this/should/be/captured',
  },
  { rule: 'query ignored (param)', routes: [['/users/:id', 'u']], path: '/users/9?full=1', component: 'u', params: { id: '9' } },
  { rule: 'trailing slash on exact route', routes: [['/cart', 'cart']], path: '/cart/', component: 'cart', pathInfo: '' },
  { rule: 'trailing slash on param route', routes: [['/users/:id', 'u']], path: '/users/3/', component: 'u', params: { id: '3' } },
  { rule: 'only one trailing slash is ignored', routes: [['/cart', 'cart']], path: '/cart//' },
  { rule: 'route written with trailing slash', routes: [['/cart/', 'cart']], path: '/cart', component: 'cart', route: '/cart' },
  { rule: 'route written without leading slash', routes: [['cart', 'cart']], path: '/cart', component: 'cart', route: '/cart' },
  { rule: 'no routes', routes: [], path: '/' },
  {
    rule: 'no match',
    routes: [
      ['/a', 'a'],
      ['/b/...', 'b'],
      ['/c/:id', 'c'],
    ],
    path: '/d',
  },
  {
    rule: 'percent-encoded slash is not a separator',
    routes: [
      ['/a/b', 'ab'],
      ['/files/:name', 'file'],
    ],
    path: '/files/a%2Fb',
    component: 'file',
    params: { name: 'a/b' },
  },
  { rule: 'percent-encoded path does not match the decoded route', routes: [['/a/b', 'ab']], path: '/a%2Fb' },
  { rule: 'percent-encoded exact route matches raw', routes: [['/caf%C3%A9', 'cafe']], path: '/caf%C3%A9', component: 'cafe' },
  { rule: 'encoded path does not match decoded exact route', routes: [['/café', 'cafe']], path: '/caf%C3%A9' },
  {
    rule: 'param value is percent-decoded',
    routes: [['/tags/:tag', 'tag']],
    path: '/tags/hello%20w%C3%B6rld',
    component: 'tag',
    params: { tag: 'hello wörld' },
  },
  { rule: 'malformed encoding is left raw', routes: [['/tags/:tag', 'tag']], path: '/tags/100%', component: 'tag', params: { tag: '100%' } },
  {
    rule: 'wildcard path-info stays encoded',
    routes: [['/static/...', 's']],
    path: '/static/a%20b/c',
    component: 's',
    pathInfo: '/a%20b/c',
  },
  {
    rule: 'base: routes are matched under it',
    routes: [['/foo', 'foo']],
    base: '/base',
    path: '/base/foo',
    component: 'foo',
    route: '/foo',
    matchedRoute: '/base/foo',
  },
  { rule: 'base: unprefixed path does not match', routes: [['/foo', 'foo']], base: '/base', path: '/foo' },
  {
    rule: 'base: wildcard path-info is relative to base+route',
    routes: [['/...', 'all']],
    base: '/base/',
    path: '/base/x/y',
    component: 'all',
    route: '/...',
    matchedRoute: '/base/...',
    pathInfo: '/x/y',
  },
];

describe('Router.match', () => {
  for (const c of matchCases) {
    it(c.rule, () => {
      const m = router(c.routes, c.base).match(c.path);
      if (c.component === undefined) {
        assert.equal(m, undefined);
        return;
      }
      assert.ok(m, `expected ${c.path} to match`);
      assert.equal(m.component, c.component);
      if (c.route !== undefined) assert.equal(m.route, c.route);
      if (c.pathInfo !== undefined) assert.equal(m.pathInfo, c.pathInfo);
      if (c.params !== undefined) assert.deepEqual(m.params, c.params);
      assert.equal(m.matchedRoute, c.matchedRoute ?? m.route);
    });
  }

  it('returns the trigger id and raw param values', () => {
    const m = router([
      ['/x', 'a'],
      ['/files/:name', 'file'],
    ]).match('/files/a%2Fb');
    assert.ok(m);
    assert.equal(m.triggerId, 't1');
    assert.deepEqual(m.rawParams, { name: 'a%2Fb' });
    assert.deepEqual(m.params, { name: 'a/b' });
  });
});

describe('Router.shadowed and routes()', () => {
  it('lists routes shadowed by a later identical route; survivors keep the first position', () => {
    const r = router([
      ['/', 'root'],
      ['/foo', 'first'],
      ['/foo', 'second'],
      ['/whee/...', 'whee'],
      ['/...', 'all-1'],
      ['/...', 'all-2'],
      ['/u/:a', 'ua'],
      ['/u/:b', 'ub'],
    ]);
    assert.deepEqual(r.shadowed, [
      { route: '/foo', component: 'first', triggerId: 't1', by: 'second', byRoute: '/foo' },
      { route: '/...', component: 'all-1', triggerId: 't4', by: 'all-2', byRoute: '/...' },
      { route: '/u/:a', component: 'ua', triggerId: 't6', by: 'ub', byRoute: '/u/:b' },
    ]);
    assert.deepEqual(
      r.routes().map((x) => [x.component, x.route, x.wildcard, x.printPath]),
      [
        ['root', '/', false, ''],
        ['second', '/foo', false, '/foo'],
        ['whee', '/whee/...', true, '/whee'],
        ['all-2', '/...', true, ''],
        ['ub', '/u/:b', false, '/u/:b'],
      ],
    );
  });

  it('has no shadowed routes for distinct routes', () => {
    const r = router([
      ['/', 'a'],
      ['/foo', 'b'],
      ['/bar', 'c'],
      ['/whee/...', 'd'],
    ]);
    assert.deepEqual(r.shadowed, []);
    assert.equal(r.routes().length, 4);
  });

  it('reports app routes that the reserved well-known prefix hides', () => {
    const r = router([
      ['/.well-known/spin/...', 'a'],
      ['/.well-known/spin/fie', 'b'],
      ['/.well-known/spin', 'c'],
      ['/.well-known/spindle/...', 'd'],
    ]);
    assert.deepEqual(
      r.reservedRoutes().map((x) => x.component),
      ['a', 'b'],
    );
  });
});

describe('parseRoute', () => {
  const cases: Array<{ route: string; normalised: string; kinds: string; wildcard: boolean; prefix: string }> = [
    { route: '/cart', normalised: '/cart', kinds: 'exact:cart', wildcard: false, prefix: '/cart' },
    { route: 'cart/', normalised: '/cart', kinds: 'exact:cart', wildcard: false, prefix: '/cart' },
    { route: '/', normalised: '/', kinds: '', wildcard: false, prefix: '/' },
    { route: '', normalised: '/', kinds: '', wildcard: false, prefix: '/' },
    { route: '/users/:id', normalised: '/users/:id', kinds: 'exact:users param:id', wildcard: false, prefix: '/users/:id' },
    { route: '/users/...', normalised: '/users/...', kinds: 'exact:users wildcard', wildcard: true, prefix: '/users' },
    { route: '/...', normalised: '/...', kinds: 'wildcard', wildcard: true, prefix: '' },
    { route: '/a/.../b', normalised: '/a/.../b', kinds: 'exact:a exact:... exact:b', wildcard: false, prefix: '/a/.../b' },
  ];
  for (const c of cases) {
    it(`parses ${JSON.stringify(c.route)}`, () => {
      const p = parseRoute(c.route);
      assert.equal(p.route, c.normalised);
      assert.equal(normaliseRoute(c.route), c.normalised);
      const kinds = p.segments.map((s) => (s.kind === 'exact' ? `exact:${s.value}` : s.kind === 'param' ? `param:${s.name}` : 'wildcard')).join(' ');
      assert.equal(kinds, c.kinds);
      assert.equal(p.wildcard, c.wildcard);
      assert.equal(p.prefix, c.prefix);
    });
  }

  it("rejects a nameless ':' segment, naming the component", () => {
    assert.throws(() => parseRoute('/a/:'), RouteError);
    assert.throws(() => router([['/a/:/b', 'bad-comp']]), /bad-comp/);
  });
});

describe('reserved well-known paths', () => {
  const cases: Array<{ path: string; action: ReservedPathAction | undefined }> = [
    { path: '/.well-known/spin/health', action: 'health' },
    { path: '/.well-known/spin/health?probe=1', action: 'health' },
    { path: '/.well-known/spin/info', action: 'info' },
    { path: '/.well-known/spin/other', action: 'not-found' },
    { path: '/.well-known/spin/health/', action: 'not-found' },
    { path: '/.well-known/spin/', action: 'not-found' },
    { path: '/.well-known/spin', action: undefined },
    { path: '/.well-known/spindle/health', action: undefined },
    { path: '/health', action: undefined },
  ];
  for (const c of cases) {
    it(`${c.path} → ${c.action ?? 'app routes'}`, () => {
      assert.equal(reservedPathAction(c.path), c.action);
      assert.equal(isReservedPath(c.path), c.action !== undefined);
    });
  }
});
