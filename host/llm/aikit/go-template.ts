/**
 * The subset of Go's text/template that aikit's and LocalAI's prompt templates use, read and
 * turned into one Jinja expression (for @huggingface/jinja, which renders chat templates here):
 *
 * - text, `{{.Field}}`, `{{"literal"}}`, trim markers `{{-` and `-}}`, comments `{{/* … *\/}}`;
 * - `{{if X}}…{{else if Y}}…{{else}}…{{end}}`, with X a field, a literal, or `eq`/`ne`
 *   (`eq a b c` is a == b or a == c, as Go's), `not`, `and`, `or`, `lt`/`le`/`gt`/`ge`, and
 *   parenthesised calls.
 *
 * Anything else (`range`, `with`, `define`, `template`, `block`, variables, pipelines `|`, other
 * functions such as `printf` or `toJson`, a field of a field) is refused with a GoTemplateError
 * naming it. aikit's documentation writes the example's quotes escaped (`eq .RoleName \"assistant\"`,
 * as copied out of a Go string): inside an action, `\"` is read as a quote.
 */

export class GoTemplateError extends Error {}

export type GoExpr =
  { t: 'field'; name: string } | { t: 'str'; s: string } | { t: 'num'; n: number } | { t: 'bool'; b: boolean } | { t: 'call'; fn: string; args: GoExpr[] };

export type GoNode = { t: 'text'; s: string } | { t: 'out'; e: GoExpr } | { t: 'if'; branches: Array<{ cond: GoExpr; body: GoNode[] }>; otherwise: GoNode[] };

const FUNCTIONS = new Set(['eq', 'ne', 'not', 'and', 'or', 'lt', 'le', 'gt', 'ge']);
const REFUSED_KEYWORDS = ['range', 'with', 'define', 'template', 'block', 'break', 'continue'];

interface Action {
  body: string;
  /** Where it starts in the source, for messages. */
  at: number;
}

type Piece = { t: 'text'; s: string } | { t: 'action'; a: Action };

/** Splits the source into text and actions, applying the trim markers. */
function split(src: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (open < 0) {
      if (text) pieces.push({ t: 'text', s: text });
      break;
    }
    let start = open + 2;
    if (/^-\s/.test(src.slice(start))) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    if (text) pieces.push({ t: 'text', s: text });
    const close = findClose(src, start);
    if (close < 0) throw new GoTemplateError(`an action opened at character ${open} is never closed with }}`);
    let end = close;
    if (/\s-$/.test(src.slice(start, close))) {
      trimNext = true;
      end = close - 1;
    }
    pieces.push({ t: 'action', a: { body: src.slice(start, end).trim(), at: open } });
    i = close + 2;
  }
  return pieces;
}

/** The `}}` closing an action, outside string literals. */
function findClose(src: string, from: number): number {
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (c === '}' && src[i + 1] === '}') return i;
    if (c === '\\' && src[i + 1] === '"')
      i++; // aikit's escaped quote, not a string's start
    else if (c === '"') {
      for (i++; i < src.length && src[i] !== '"'; i++) if (src[i] === '\\') i++;
    } else if (c === '`') {
      i = src.indexOf('`', i + 1);
      if (i < 0) return -1;
    }
  }
  return -1;
}

type Tok = { t: 'field'; name: string } | { t: 'str'; s: string } | { t: 'num'; n: number } | { t: 'ident'; name: string } | { t: '(' } | { t: ')' };

function lex(body: string, at: number): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const where = `{{${body}}} at character ${at}`;
  while (i < body.length) {
    const rest = body.slice(i);
    const ws = /^\s+/.exec(rest);
    if (ws) {
      i += ws[0].length;
      continue;
    }
    if (rest[0] === '(' || rest[0] === ')') {
      toks.push({ t: rest[0] });
      i++;
      continue;
    }
    if (rest.startsWith('\\"')) {
      // aikit's documented example escapes its quotes: \"assistant\" is "assistant"
      const end = rest.indexOf('\\"', 2);
      if (end < 0) throw new GoTemplateError(`an unterminated string in ${where}`);
      toks.push({ t: 'str', s: rest.slice(2, end) });
      i += end + 2;
      continue;
    }
    const str = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
    if (str) {
      toks.push({ t: 'str', s: JSON.parse(`"${str[1]}"`) as string });
      i += str[0].length;
      continue;
    }
    const raw = /^`([^`]*)`/.exec(rest);
    if (raw) {
      toks.push({ t: 'str', s: raw[1]! });
      i += raw[0].length;
      continue;
    }
    const field = /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
    if (field) {
      if (rest[field[0].length] === '.') throw new GoTemplateError(`a field of a field (${rest.split(/\s/)[0]}) in ${where} is not supported`);
      toks.push({ t: 'field', name: field[1]! });
      i += field[0].length;
      continue;
    }
    const num = /^-?\d+(?:\.\d+)?/.exec(rest);
    if (num) {
      toks.push({ t: 'num', n: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (ident) {
      toks.push({ t: 'ident', name: ident[0] });
      i += ident[0].length;
      continue;
    }
    if (rest[0] === '|') throw new GoTemplateError(`pipelines ("|") in ${where} are not supported`);
    if (rest[0] === '$') throw new GoTemplateError(`variables ($…) in ${where} are not supported`);
    if (rest[0] === '.') throw new GoTemplateError(`the dot alone (.) in ${where} is not supported: name a field`);
    throw new GoTemplateError(`unexpected ${JSON.stringify(rest[0])} in ${where}`);
  }
  return toks;
}

/** One command: an operand, or a function applied to its arguments. */
function parseCommand(toks: Tok[], where: string): GoExpr {
  let i = 0;
  const operand = (): GoExpr => {
    const t = toks[i++];
    if (!t) throw new GoTemplateError(`a missing argument in ${where}`);
    if (t.t === 'field') return { t: 'field', name: t.name };
    if (t.t === 'str') return { t: 'str', s: t.s };
    if (t.t === 'num') return { t: 'num', n: t.n };
    if (t.t === 'ident' && (t.name === 'true' || t.name === 'false')) return { t: 'bool', b: t.name === 'true' };
    if (t.t === '(') {
      let depth = 1;
      const start = i;
      while (i < toks.length && depth > 0) {
        if (toks[i]!.t === '(') depth++;
        else if (toks[i]!.t === ')') depth--;
        i++;
      }
      if (depth > 0) throw new GoTemplateError(`an unclosed "(" in ${where}`);
      return parseCommand(toks.slice(start, i - 1), where);
    }
    if (t.t === 'ident') throw new GoTemplateError(`the function ${t.name} must come first in its command, in ${where}`);
    throw new GoTemplateError(`an unexpected ")" in ${where}`);
  };
  const first = toks[0];
  if (first?.t === 'ident' && first.name !== 'true' && first.name !== 'false') {
    if (!FUNCTIONS.has(first.name)) throw new GoTemplateError(`the function ${first.name} in ${where} is not supported (only ${[...FUNCTIONS].join(', ')})`);
    i = 1;
    const args: GoExpr[] = [];
    while (i < toks.length) args.push(operand());
    const arity = first.name === 'not' ? [1, 1] : first.name === 'eq' ? [2, Infinity] : first.name === 'and' || first.name === 'or' ? [1, Infinity] : [2, 2];
    if (args.length < arity[0]! || args.length > arity[1]!)
      throw new GoTemplateError(`${first.name} takes ${arity[0]}${arity[1] === arity[0] ? '' : '+'} arguments, in ${where}`);
    return { t: 'call', fn: first.name, args };
  }
  const e = operand();
  if (i < toks.length) throw new GoTemplateError(`more than one value in ${where}: call a function (eq, ne, …) on them`);
  return e;
}

/** Reads a template into its nodes; a GoTemplateError names the first construct outside the subset. */
export function parseGoTemplate(src: string): GoNode[] {
  const pieces = split(src);
  let p = 0;
  // reads nodes until an {{else…}} or {{end}}, which it returns without consuming
  const block = (): { nodes: GoNode[]; stop?: Action } => {
    const nodes: GoNode[] = [];
    while (p < pieces.length) {
      const piece = pieces[p]!;
      if (piece.t === 'text') {
        nodes.push({ t: 'text', s: piece.s });
        p++;
        continue;
      }
      const { body, at } = piece.a;
      const where = `{{${body}}} at character ${at}`;
      const word = /^[A-Za-z]+/.exec(body)?.[0] ?? '';
      if (body.startsWith('/*')) {
        if (!body.endsWith('*/')) throw new GoTemplateError(`an unterminated comment at character ${at}`);
        p++;
        continue;
      }
      if (word === 'end' || word === 'else') return { nodes, stop: piece.a };
      if (REFUSED_KEYWORDS.includes(word)) throw new GoTemplateError(`{{${word}}} (at character ${at}) is not supported; only if/else if/else/end`);
      if (/:=|(^|\s)=(\s|$)/.test(body)) throw new GoTemplateError(`variables (:=) in ${where} are not supported`);
      p++;
      if (word === 'if') {
        nodes.push(ifNode(body.slice(2), where));
        continue;
      }
      nodes.push({ t: 'out', e: parseCommand(lex(body, at), where) });
    }
    return { nodes };
  };
  const ifNode = (condSrc: string, where: string): GoNode => {
    const branches: Array<{ cond: GoExpr; body: GoNode[] }> = [];
    let cond = parseCommand(lex(condSrc, 0), where);
    for (;;) {
      const { nodes, stop } = block();
      if (!stop) throw new GoTemplateError(`${where} has no {{end}}`);
      p++;
      branches.push({ cond, body: nodes });
      if (stop.body === 'end') return { t: 'if', branches, otherwise: [] };
      const elseIf = /^else\s+if\s+([\s\S]+)$/.exec(stop.body);
      if (elseIf) {
        cond = parseCommand(lex(elseIf[1]!, stop.at), `{{${stop.body}}} at character ${stop.at}`);
        continue;
      }
      if (stop.body !== 'else') throw new GoTemplateError(`{{${stop.body}}} at character ${stop.at} is not supported`);
      const rest = block();
      if (rest.stop?.body !== 'end') throw new GoTemplateError(`${where}: its {{else}} has no {{end}}`);
      p++;
      return { t: 'if', branches, otherwise: rest.nodes };
    }
  };
  const top = block();
  if (top.stop) throw new GoTemplateError(`{{${top.stop.body}}} at character ${top.stop.at} has no {{if}}`);
  return top.nodes;
}

/** A Jinja string literal (escapes @huggingface/jinja reads). */
export function jinjaString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

/** What each field of the template means, as a Jinja expression; undefined: not a field of this template. */
export type FieldMap = (name: string) => string | undefined;

const OPERATORS: Readonly<Record<string, string>> = { ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };

function exprToJinja(e: GoExpr, fields: FieldMap, kind: string): string {
  switch (e.t) {
    case 'str':
      return jinjaString(e.s);
    case 'num':
      return String(e.n);
    case 'bool':
      return e.b ? 'true' : 'false';
    case 'field': {
      const j = fields(e.name);
      if (j === undefined) throw new GoTemplateError(`the field .${e.name} is not one the ${kind} template can use`);
      return j;
    }
    case 'call': {
      const args = e.args.map((a) => `(${exprToJinja(a, fields, kind)})`);
      if (e.fn === 'not') return `(not ${args[0]})`;
      if (e.fn === 'and' || e.fn === 'or') return `(${args.join(` ${e.fn} `)})`;
      if (e.fn === 'eq')
        return `(${args
          .slice(1)
          .map((b) => `${args[0]} == ${b}`)
          .join(' or ')})`;
      return `(${args[0]} ${OPERATORS[e.fn]} ${args[1]})`;
    }
  }
}

/** The template as one Jinja expression giving the rendered text. */
export function goTemplateToJinja(nodes: readonly GoNode[], fields: FieldMap, kind: string): string {
  const parts = nodes.map((n): string => {
    if (n.t === 'text') return jinjaString(n.s);
    if (n.t === 'out') return `(${exprToJinja(n.e, fields, kind)})`;
    let out = goTemplateToJinja(n.otherwise, fields, kind);
    for (const b of [...n.branches].reverse()) out = `(${goTemplateToJinja(b.body, fields, kind)} if ${exprToJinja(b.cond, fields, kind)} else ${out})`;
    return out;
  });
  if (parts.length === 0) return '""';
  return parts.length === 1 ? parts[0]! : `(${parts.join(' ~ ')})`;
}
