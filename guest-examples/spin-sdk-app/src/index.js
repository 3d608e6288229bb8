// A Spin HTTP component written the way the Spin http-js template writes one: an
// itty-router AutoRouter behind the `fetch` event, plus the Spin LLM SDK.
// For AutoRouter documentation refer to https://itty.dev/itty-router/routers/autorouter
import { AutoRouter } from 'itty-router';
import { infer, InferencingModels } from '@spinframework/spin-llm';

let router = AutoRouter();

// Route ordering matters, the first route that matches will be used.
// Any unmatched route returns a 404.
router
    .get('/', () => new Response('Hello from the Spin JS SDK!\n', {
        headers: { 'content-type': 'text/plain' },
    }))
    .get('/info', (request) => ({
        method: request.method,
        url: request.url,
        headers: {
            'spin-full-url': request.headers.get('spin-full-url'),
            'spin-path-info': request.headers.get('spin-path-info'),
            'spin-matched-route': request.headers.get('spin-matched-route'),
            'spin-component-route': request.headers.get('spin-component-route'),
            'user-agent': request.headers.get('user-agent'),
        },
    }))
    // Outbound HTTP with the runtime's fetch: GET the URL given in ?url= (it must be in the
    // component's allowed_outbound_hosts) and answer its status and body.
    .get('/fetch', async (request) => {
        const target = new URL(request.url).searchParams.get('url');
        if (!target) return new Response('give ?url=\n', { status: 400 });
        try {
            const upstream = await fetch(target);
            return new Response(await upstream.text(), {
                status: upstream.status,
                headers: { 'content-type': upstream.headers.get('content-type') ?? 'text/plain', 'x-upstream-status': String(upstream.status) },
            });
        } catch (e) {
            return new Response(`fetch failed: ${errorMessage(e)}\n`, { status: 502 });
        }
    })
    .post('/infer', async (request) => {
        try {
            const prompt = await request.text();
            const result = infer(InferencingModels.Llama2Chat, prompt);
            return { text: result.text, usage: result.usage };
        } catch (e) {
            return new Response(errorMessage(e), { status: 500 });
        }
    });

// Errors from Spin host calls carry their details in `payload` (e.g. {tag: 'runtime-error', val: '...'}).
function errorMessage(e) {
    const p = e && e.payload;
    if (p && p.tag) return p.val ? `${p.tag}: ${p.val}` : p.tag;
    return e && e.message ? e.message : String(e);
}

addEventListener('fetch', (event) => {
    event.respondWith(router.fetch(event.request));
});
