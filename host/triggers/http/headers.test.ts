import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { Router } from './routes.js';
import { componentRoute, formatClientAddr, pathMatchHeaderName, spinFullUrl, spinRequestHeaders } from './headers.js';

function headersFor(route: string, path: string, opts: { host?: string; basePath?: string } = {}): Record<string, string> {
  const match = new Router([{ route, component: 'c', triggerId: 't' }]).match(path);
  assert.ok(match, `${route} should match ${path}`);
  const list = spinRequestHeaders({
    match,
    fullUrl: spinFullUrl({ host: opts.host ?? '127.0.0.1:3000', pathAndQuery: path }),
    clientAddr: '127.0.0.1:8777',
    ...(opts.basePath === undefined ? {} : { basePath: opts.basePath }),
  });
  const names = list.map(([k]) => k);
  assert.equal(new Set(names).size, names.length, 'no duplicate header names');
  return Object.fromEntries(list);
}

interface HeaderCase {
  rule: string;
  route: string;
  path: string;
  expect: Record<string, string>;
  host?: string;
  basePath?: string;
}

const cases: HeaderCase[] = [
  {
    rule: "wildcard route (Spin's test_default_headers)",
    route: '/foo/...',
    path: '/foo/bar?key1=value1&key2=value2',
    host: 'fermyon.dev',
    expect: {
      'spin-full-url': 'http://fermyon.dev/foo/bar?key1=value1&key2=value2',
      'spin-path-info': '/bar',
      'spin-matched-route': '/foo/...',
      'spin-base-path': '/',
      'spin-raw-component-route': '/foo/...',
      'spin-component-route': '/foo',
      'spin-client-addr': '127.0.0.1:8777',
    },
  },
  {
    rule: 'named wildcard plus trailing wildcard',
    route: '/foo/:userid/...',
    path: '/foo/42/bar',
    expect: {
      'spin-path-info': '/bar',
      'spin-matched-route': '/foo/:userid/...',
      'spin-raw-component-route': '/foo/:userid/...',
      'spin-component-route': '/foo/:userid',
      'spin-path-match-userid': '42',
    },
  },
  {
    rule: 'exact route',
    route: '/cart',
    path: '/cart',
    expect: {
      'spin-full-url': 'http://127.0.0.1:3000/cart',
      'spin-path-info': '',
      'spin-matched-route': '/cart',
      'spin-raw-component-route': '/cart',
      'spin-component-route': '/cart',
    },
  },
  {
    rule: 'catch-all: component route is empty',
    route: '/...',
    path: '/env/api',
    expect: {
      'spin-path-info': '/env/api',
      'spin-matched-route': '/...',
      'spin-raw-component-route': '/...',
      'spin-component-route': '',
    },
  },
  { rule: 'wildcard /test → path-info empty', route: '/test/...', path: '/test', expect: { 'spin-path-info': '' } },
  { rule: 'wildcard /test/ → path-info /', route: '/test/...', path: '/test/', expect: { 'spin-path-info': '/' } },
  { rule: 'wildcard /test/hello → path-info /hello', route: '/test/...', path: '/test/hello', expect: { 'spin-path-info': '/hello' } },
  {
    rule: 'several params, underscore name',
    route: '/orgs/:org/users/:user_id',
    path: '/orgs/acme/users/7',
    expect: { 'spin-path-match-org': 'acme', 'spin-path-match-user-id': '7' },
  },
  {
    rule: 'param header keeps the raw segment',
    route: '/files/:name',
    path: '/files/a%0Ab',
    expect: { 'spin-path-match-name': 'a%0Ab' },
  },
  { rule: 'base path is passed through', route: '/x', path: '/x', basePath: '/base', expect: { 'spin-base-path': '/base' } },
];

describe('spinRequestHeaders', () => {
  for (const c of cases) {
    it(c.rule, () => {
      const h = headersFor(c.route, c.path, {
        ...(c.host === undefined ? {} : { host: c.host }),
        ...(c.basePath === undefined ? {} : { basePath: c.basePath }),
      });
      for (const [name, value] of Object.entries(c.expect)) assert.equal(h[name], value, name);
    });
  }

  it("emits Spin's fixed headers in Spin's order, then one per param", () => {
    const match = new Router([{ route: '/u/:id/...', component: 'c', triggerId: 't' }]).match('/u/1/x');
    assert.ok(match);
    const names = spinRequestHeaders({ match, fullUrl: 'http://h/u/1/x', clientAddr: '1.2.3.4:5' }).map(([k]) => k);
    assert.deepEqual(names, [
      'spin-path-info',
      'spin-full-url',
      'spin-matched-route',
      'spin-base-path',
      'spin-raw-component-route',
      'spin-component-route',
      'spin-client-addr',
      'spin-path-match-id',
    ]);
  });
});

describe('header helpers', () => {
  const fullUrlCases: Array<[Parameters<typeof spinFullUrl>[0], string]> = [
    [{ host: '127.0.0.1:3000', pathAndQuery: '/a?b=c' }, 'http://127.0.0.1:3000/a?b=c'],
    [{ pathAndQuery: '/a' }, 'http://localhost/a'],
    [{ host: 'example.com', pathAndQuery: '/', scheme: 'https' }, 'https://example.com/'],
  ];
  for (const [args, expected] of fullUrlCases) {
    it(`spinFullUrl → ${expected}`, () => assert.equal(spinFullUrl(args), expected));
  }

  it('formatClientAddr brackets IPv6', () => {
    assert.equal(formatClientAddr('127.0.0.1', 8777), '127.0.0.1:8777');
    assert.equal(formatClientAddr('::1', 8777), '[::1]:8777');
  });

  it('componentRoute strips only a trailing /...', () => {
    assert.equal(componentRoute('/foo/...'), '/foo');
    assert.equal(componentRoute('/...'), '');
    assert.equal(componentRoute('/'), '/');
    assert.equal(componentRoute('/a/.../b'), '/a/.../b');
  });

  it('pathMatchHeaderName lower-cases and maps _ to -', () => {
    assert.equal(pathMatchHeaderName('userId'), 'spin-path-match-userid');
    assert.equal(pathMatchHeaderName('user_id'), 'spin-path-match-user-id');
  });
});
