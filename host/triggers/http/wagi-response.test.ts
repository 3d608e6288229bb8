import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWagiResponse } from './wagi-response.js';
import { wagiArgv } from './wagi-env.js';

const parse = (s: string) => parseWagiResponse(new Uint8Array(Buffer.from(s, 'utf8')));
const body = (r: ReturnType<typeof parse>) => (r.ok ? Buffer.from(r.body).toString('utf8') : undefined);

test('headers up to the first blank line, CRs dropped in the head, the body kept as written', () => {
  const r = parse('Content-Type: text/html\r\nX-A:  1 \r\n\r\n<p>\r\nhi</p>');
  assert.ok(r.ok);
  assert.equal(r.status, 200);
  assert.deepEqual(r.headers, [
    ['content-type', 'text/html'],
    ['x-a', '1'],
  ]);
  assert.equal(body(r), '<p>\r\nhi</p>');
});

test('Status sets the code ("CODE" or "CODE reason"); an unparsable one is 502', () => {
  const r = parse('Status: 404 Not Found\nContent-Type: text/plain\n\nno');
  assert.ok(r.ok && r.status === 404);
  assert.ok(r.ok && !r.headers.some(([n]) => n === 'status'));
  const bad = parse('Status: abc\n\n');
  assert.ok(bad.ok && bad.status === 502);
});

test('Location alone means 302; with Status, Status wins', () => {
  const r = parse('Location: /x\n\n');
  assert.ok(r.ok && r.status === 302);
  assert.deepEqual(r.ok && r.headers, [['location', '/x']]);
  const s = parse('Status: 301\nLocation: /y\n\n');
  assert.ok(s.ok && s.status === 301);
});

test("without content-type, location or status the response is refused with Spin's reason; empty stdout is refused", () => {
  const r = parse('X-A: 1\n\nbody');
  assert.deepEqual(r, { ok: false, problem: "Exactly one of 'location' or 'content-type' must be specified" });
  const none = parse('just text, no blank line');
  assert.equal(none.ok, false);
  assert.match((parseWagiResponse(new Uint8Array()) as { problem: string }).problem, /did not write to stdout/);
});

test('corrupt header lines and invalid header names are skipped; a repeated header keeps the last', () => {
  const r = parse('garbage line\nBad Name: x\nContent-Type: a\ncontent-type: b\n\n');
  assert.ok(r.ok);
  assert.deepEqual(r.headers, [['content-type', 'b']]);
});

test('argv: ${SCRIPT_NAME} is the request path, ${ARGS} the query with & as spaces', () => {
  assert.deepEqual(wagiArgv('${SCRIPT_NAME} ${ARGS}', '/a/b?x=1&y=2'), ['/a/b', 'x=1', 'y=2']);
  assert.deepEqual(wagiArgv('${SCRIPT_NAME} ${ARGS}', '/a'), ['/a', '']);
  assert.deepEqual(wagiArgv('prog --q=${ARGS}', '/a?k=v'), ['prog', '--q=k=v']);
});
