// A hono app in the shape of spin-js-sdk's http-ts template: hono's logger, one header set
// by a middleware of our own, a text route and a JSON route, served through hono's
// service-worker adapter (what @spinframework/wasi-http-proxy turns into wasi:http).
import { Hono } from 'hono';
import type { Context, Next } from 'hono';
import { logger } from 'hono/logger';
import { fire } from 'hono/service-worker';

const app = new Hono();

app.use(logger());
app.use(async (c: Context, next: Next) => {
  c.header('server', 'Spin CLI');
  await next();
});

app.get('/', (c: Context) => c.text('Hello, Spin!'));
app.get('/hello/:name', (c: Context) => c.json({ message: `Hello, ${c.req.param('name')}!` }));

fire(app);
