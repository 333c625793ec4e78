// Python syntax highlighting for the editor: a small hand-written tokenizer that knows what a
// scene file needs (keywords, strings of every kind, numbers, comments, decorators, definitions,
// calls, Manim's CONSTANTS and Classes). It never fails: text it does not know stays plain.

const KEYWORDS = new Set([
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'case',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'match',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);

const LITERALS = new Set(['True', 'False', 'None']);

const BUILTINS = new Set([
  'abs',
  'all',
  'any',
  'bool',
  'dict',
  'enumerate',
  'filter',
  'float',
  'int',
  'isinstance',
  'len',
  'list',
  'map',
  'max',
  'min',
  'print',
  'range',
  'reversed',
  'round',
  'set',
  'sorted',
  'str',
  'sum',
  'super',
  'tuple',
  'type',
  'zip',
]);

// Tried in this order at each position; every pattern is sticky (anchored where the last ended).
const RULES = [
  ['space', /[ \t\f\v]+/y],
  ['newline', /\r?\n/y],
  ['comment', /#[^\n]*/y],
  // Triple-quoted strings may span lines; an unterminated one runs to the end of the text.
  ['string', /(?:[rRbBuUfF]{1,2})?(?:'''[\s\S]*?(?:'''|$)|"""[\s\S]*?(?:"""|$))/y],
  // One-line strings end at their closing quote or, unterminated, at the end of the line.
  ['string', /(?:[rRbBuUfF]{1,2})?(?:'(?:[^'\\\n]|\\.)*'?|"(?:[^"\\\n]|\\.)*"?)/y],
  [
    'number',
    /(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)/y,
  ],
  ['name', /[A-Za-z_\u00C0-\uFFFF][\w\u00C0-\uFFFF]*/y],
  ['operator', /\*\*=?|\/\/=?|->|:=|<<=?|>>=?|[-+*/%&|^=<>!]=?|[~@]/y],
  ['punctuation', /[()[\]{}:;.,]/y],
  ['other', /[\s\S]/y],
];

/** Splits code into `{ type, text }` tokens whose texts, joined, are the code again. */
export function tokenizePython(code) {
  const tokens = [];
  let position = 0;
  let previous; // the last token that is not space
  let lineStart = true; // nothing but space since the last newline
  while (position < code.length) {
    for (const [kind, pattern] of RULES) {
      pattern.lastIndex = position;
      const match = pattern.exec(code);
      if (match === null || match[0] === '') continue;
      const text = match[0];
      const type = classify(kind, text, previous, lineStart, code, position + text.length);
      tokens.push({ type, text });
      position += text.length;
      if (kind === 'newline') lineStart = true;
      else if (kind !== 'space') lineStart = false;
      if (kind !== 'space' && kind !== 'newline') previous = { kind, text, type };
      break;
    }
  }
  return tokens;
}

function classify(kind, text, previous, lineStart, code, end) {
  if (kind === 'operator' && text === '@' && lineStart) return 'decorator';
  if (kind !== 'name') return kind === 'newline' || kind === 'space' ? 'plain' : kind;

  if (previous?.type === 'decorator' && previous.text === '@') return 'decorator';
  if (previous?.text === 'def') return 'function-name';
  if (previous?.text === 'class') return 'class-name';
  if (KEYWORDS.has(text)) return 'keyword';
  if (LITERALS.has(text)) return 'literal';
  if (text === 'self' || text === 'cls') return 'self';
  if (/^[A-Z][A-Z0-9_]+$/.test(text)) return 'constant';
  const isCall = /^[ \t]*\(/.test(code.slice(end, end + 64));
  if (/^[A-Z]/.test(text)) return 'class-ref';
  if (isCall) return BUILTINS.has(text) && previous?.text !== '.' ? 'builtin' : 'call';
  return 'plain';
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

export function escapeHtml(text) {
  return text.replace(/[&<>"]/g, (char) => ESCAPES[char]);
}

/**
 * The code as lines of highlighted HTML, one string per line (a token that spans lines, such as a
 * docstring, is cut at each line end). `code.split('\n').length` lines, always at least one.
 */
export function highlightPythonLines(code) {
  const lines = [''];
  for (const token of tokenizePython(code)) {
    const parts = token.text.split(/\r?\n/);
    parts.forEach((part, index) => {
      if (index > 0) lines.push('');
      if (part === '') return;
      const html = escapeHtml(part);
      lines[lines.length - 1] +=
        token.type === 'plain' ? html : `<span class="tok-${token.type}">${html}</span>`;
    });
  }
  return lines;
}
