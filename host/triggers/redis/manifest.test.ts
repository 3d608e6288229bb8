/** The Redis trigger's tables, read through the loader's TriggerOwner seam: keys, Spin's generated ids, inline components, v1, -c. */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadApp } from '../../app/manifest.js';
import { retainComponents } from '../../app/retain.js';
import { ManifestError } from '../../app/errors.js';
import { triggerOwners } from '../index.js';
import { groupByAddress } from './index.js';
import { redisTriggers } from './manifest.js';

const WASM = '\0asm\x01\0\0\0';

async function load(toml: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'spin-ts-redis-manifest-'));
  await writeFile(path.join(dir, 'spin.toml'), toml);
  await writeFile(path.join(dir, 'h.wasm'), WASM);
  return loadApp(dir, { triggerOwners: triggerOwners() });
}

const HEAD = 'spin_manifest_version = 2\n[application]\nname = "r"\n[application.trigger.redis]\naddress = "redis://127.0.0.1:6379"\n';

test('v2: the app address is every trigger default, a trigger address overrides it; ids are generated as Spin does', async () => {
  const app = await load(`${HEAD}
[[trigger.redis]]
channel = "a"
component = "h"
[[trigger.redis]]
channel = "b"
component = "h"
address = "redis://10.0.0.1:6380"
[[trigger.redis]]
id = "mine"
channel = "c"
component = { source = "h.wasm" }
[[trigger.redis]]
channel = "d"
component = { source = "h.wasm" }
[component.h]
source = "h.wasm"
`);
  assert.deepEqual(redisTriggers(app), [
    { id: 'h-redis-trigger', component: 'h', channel: 'a', address: 'redis://127.0.0.1:6379' },
    { id: 'redis-trigger1', component: 'h', channel: 'b', address: 'redis://10.0.0.1:6380' },
    { id: 'mine', component: 'mine-component', channel: 'c', address: 'redis://127.0.0.1:6379' },
    { id: 'redis-trigger2', component: 'redis-trigger2-component', channel: 'd', address: 'redis://127.0.0.1:6379' },
  ]);
  assert.deepEqual([...app.components.keys()], ['h', 'mine-component', 'redis-trigger2-component']);
  assert.deepEqual(app.triggerSettings, { redis: { address: 'redis://127.0.0.1:6379' } });
  assert.deepEqual(app.httpTriggers, []);
});

test('grouped as Spin subscribes: one connection per address, components by channel', async () => {
  const app = await load(`${HEAD}
[variables]
chan = { default = "news" }
[[trigger.redis]]
channel = "{{ chan }}"
component = "h"
[[trigger.redis]]
channel = "news"
component = "g"
[[trigger.redis]]
channel = "news"
component = "g"
address = "redis://127.0.0.1:6380"
[component.h]
source = "h.wasm"
[component.g]
source = "h.wasm"
`);
  const groups = groupByAddress(app, {});
  assert.deepEqual(
    [...groups].map(([address, channels]) => [address, [...channels]]),
    [
      ['redis://127.0.0.1:6379', [['news', ['h', 'g']]]],
      ['redis://127.0.0.1:6380', [['news', ['g']]]],
    ],
  );
  assert.deepEqual(
    [...groupByAddress(app, { SPIN_VARIABLE_CHAN: 'other' }).get('redis://127.0.0.1:6379')!],
    [
      ['other', ['h']],
      ['news', ['g']],
    ],
  );
});

test('v1: trigger = { type = "redis", address }, each component trigger = { channel }, ids trigger-<component>', async () => {
  const app = await load(`spin_manifest_version = "1"
name = "r"
trigger = { type = "redis", address = "redis://127.0.0.1:6379" }
[[component]]
id = "first"
source = "h.wasm"
[component.trigger]
channel = "one"
[[component]]
id = "second"
source = "h.wasm"
trigger = { channel = "two", address = "rediss://cache.example:6380" }
`);
  assert.deepEqual(redisTriggers(app), [
    { id: 'trigger-first', component: 'first', channel: 'one', address: 'redis://127.0.0.1:6379' },
    { id: 'trigger-second', component: 'second', channel: 'two', address: 'rediss://cache.example:6380' },
  ]);
  assert.deepEqual(app.triggerSettings, { redis: { address: 'redis://127.0.0.1:6379' } });
  assert.deepEqual(
    redisTriggers(retainComponents(app, ['second'])).map((t) => t.id),
    ['trigger-second'],
    '-c keeps only the named components’ triggers',
  );
});

test('bad tables fail at their field, with the line', async () => {
  const fails = async (toml: string, field: string, problem: RegExp) => {
    const err = await load(toml).then(
      () => assert.fail('loaded'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ManifestError, String(err));
    assert.equal(err.field, field);
    assert.ok(err.line !== undefined, 'has a line');
    assert.match(err.message, problem);
  };
  await fails(`${HEAD}[[trigger.redis]]\ncomponent = "h"\n[component.h]\nsource = "h.wasm"\n`, 'trigger.redis[0].channel', /missing required key "channel"/);
  await fails(`${HEAD}[[trigger.redis]]\nchannel = 7\ncomponent = "h"\n[component.h]\nsource = "h.wasm"\n`, 'trigger.redis[0].channel', /must be a string/);
  await fails(
    `${HEAD}[[trigger.redis]]\nchannel = "c"\ncomponent = "x"\n[component.h]\nsource = "h.wasm"\n`,
    'trigger.redis[0].component',
    /no component named "x"/,
  );
  await fails(`${HEAD}[trigger.redis]\nchannel = "c"\n`, 'trigger.redis', /must be a list of \[\[trigger\.redis\]\] tables/);
  await fails(
    `${HEAD}[[trigger.redis]]\nid = "t"\nchannel = "c"\ncomponent = "h"\n[[trigger.redis]]\nid = "t"\nchannel = "d"\ncomponent = "h"\n[component.h]\nsource = "h.wasm"\n`,
    'trigger.redis[1].id',
    /duplicate trigger id "t" \(also used by trigger\.redis\[0\]\)/,
  );
  await fails(
    'spin_manifest_version = 2\n[application]\nname = "r"\n[application.trigger.redis]\naddress = "redis://x:1"\nchannel = "c"\n[[trigger.redis]]\nchannel = "c"\ncomponent = "h"\n[component.h]\nsource = "h.wasm"\n',
    'application.trigger.redis.channel',
    /unknown key "channel"/,
  );
  await fails(
    `${HEAD}[[trigger.redis]]\nchannel = "c"\ncomponent = "h"\naddress = "redis+unix:///tmp/redis.sock"\n[component.h]\nsource = "h.wasm"\n`,
    'trigger.redis[0].address',
    /scheme "redis\+unix" is not a Redis scheme spin-ts connects with/,
  );
  await fails(
    `${HEAD}[[trigger.mqtt]]\ncomponent = "h"\n[component.h]\nsource = "h.wasm"\n`,
    'trigger.mqtt',
    /trigger type "mqtt" is not supported.*"http", "redis"/,
  );
});
