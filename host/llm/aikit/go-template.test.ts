/** The Go-template subset renders as Go's text/template would, through the Jinja it becomes; the rest is refused by name. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Template } from '@huggingface/jinja';
import { chatJinja, completionJinja } from './spec.js';
import { GoTemplateError, goTemplateToJinja, parseGoTemplate, type FieldMap } from './go-template.js';

const fields: FieldMap = (n) => ({ A: 'a', B: 'b', N: 'n' })[n];
const render = (src: string, vars: Record<string, unknown>): string =>
  new Template(`{{- ${goTemplateToJinja(parseGoTemplate(src), fields, 'test')} -}}`).render(vars);

test('fields, literals, if/else if/else, eq with several values, not/and/or, trim markers', () => {
  const src = '[{{.A}}]{{if eq .B "x" "y"}}XY{{else if not .B}}none{{else if and .A (ne .B "z")}}other{{else}}z{{end}} \n {{- "!" -}} \n.';
  assert.equal(render(src, { a: 'q', b: 'y' }), '[q]XY!.');
  assert.equal(render(src, { a: 'q', b: '' }), '[q]none!.');
  assert.equal(render(src, { a: 'q', b: 'w' }), '[q]other!.');
  assert.equal(render(src, { a: '', b: 'z' }), '[]z!.');
  assert.equal(render('{{/* a comment */}}{{if lt .N 2}}low{{end}}', { n: 1 }), 'low');
  // aikit's documented example escapes its quotes
  assert.equal(render('{{if eq .B \\"x\\"}}yes{{end}}', { b: 'x' }), 'yes');
});

test('constructs outside the subset are refused, named', () => {
  const refused = (src: string, re: RegExp) =>
    assert.throws(
      () => goTemplateToJinja(parseGoTemplate(src), fields, 'test'),
      (e: unknown) => e instanceof GoTemplateError && re.test(e.message),
    );
  refused('{{range .A}}x{{end}}', /\{\{range\}\} \(at character 0\) is not supported/);
  refused('{{.A | printf "%s"}}', /pipelines/);
  refused('{{printf "%s" .A}}', /the function printf/);
  refused('{{$x := .A}}', /variables/);
  refused('{{.A.B}}', /a field of a field/);
  refused('{{.Other}}', /the field \.Other is not one the test template can use/);
  refused('{{if .A}}x', /has no \{\{end\}\}/);
  refused('{{end}}', /has no \{\{if\}\}/);
});

test("LocalAI's chat prompt: chat_message per message, empty ones skipped, joined with newlines, wrapped by chat; roles alone prefix", () => {
  const messages = [
    { role: 'system', content: 'S' },
    { role: 'user', content: 'U' },
    { role: 'assistant', content: 'A' },
  ];
  const withTemplates = chatJinja({
    chatMessage: '{{if eq .RoleName "system"}}{{else}}{{.Role}} {{.Content}}{{end}}',
    chat: '<{{.SystemPrompt}}>{{.Input}}<end>',
    roles: { user: 'USER:', assistant: 'BOT:' },
    systemPrompt: 'sp',
  });
  assert.equal(new Template(withTemplates).render({ messages }), '<sp>USER: U\nBOT: A<end>');
  const rolesOnly = chatJinja({
    roles: { user: 'User: ', system: 'System: ' },
    systemPrompt: '',
    chat: '{{if not .SuppressSystemPrompt}}[default]{{end}}{{.Input}}',
  });
  assert.equal(new Template(rolesOnly).render({ messages }), 'System: S\nUser: U\nA');
  assert.equal(new Template(completionJinja('### {{.SystemPrompt}}\n{{.Input}}\n###', 'sp')).render({ prompt: 'p' }), '### sp\np\n###');
});
