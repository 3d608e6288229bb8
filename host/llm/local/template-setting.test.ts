import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LlmError } from '../engine.js';
import { parseTemplateSetting } from './template-setting.js';

test('Go templates (aikit/LocalAI) are refused with the reason and a Jinja rewrite', () => {
  for (const t of ['{{.Input}}', 'Q: {{ .Input }}\nA:', '{{- .SystemPrompt}}', '{{if .System}}x{{end}}', '{{range .Messages}}{{.Content}}{{end}}']) {
    assert.throws(
      () => parseTemplateSetting(t),
      (err: unknown) => err instanceof LlmError && /Go template .*no maintained Go-template engine.*Rewrite it in Jinja/s.test(err.message),
      t,
    );
  }
});

test('Jinja that merely mentions a dot stays Jinja', () => {
  for (const t of ['{{ m.content }}', '{% for m in messages %}{{ m.content }}.{% endfor %}', '{{ "." }}']) {
    assert.equal(parseTemplateSetting(t).type, 'jinja', t);
  }
});
