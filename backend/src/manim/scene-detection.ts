import { AppError } from '../errors/app-error';

/**
 * Finds the Manim scenes defined in a piece of Python code without running it, so that a request
 * can be checked (and its scene name resolved) before a render container is started.
 */
export interface SceneClass {
  name: string;
  line: number;
}

/** The scene classes Manim itself provides; a user's scene derives from one of them. */
export const MANIM_SCENE_BASES: readonly string[] = [
  'Scene',
  'MovingCameraScene',
  'ThreeDScene',
  'SpecialThreeDScene',
  'ZoomedScene',
  'VectorScene',
  'LinearTransformationScene',
];

interface Token {
  kind: 'name' | 'op' | 'string' | 'number';
  text: string;
}

/** One logical line of Python: physical lines joined by brackets or backslashes. */
interface LogicalLine {
  line: number;
  indent: number;
  tokens: Token[];
}

interface ClassDefinition {
  name: string;
  line: number;
  bases: string[];
}

export function detectSceneClasses(code: string): SceneClass[] {
  const definitions = moduleLevelClasses(tokenizeLogicalLines(code));

  // A later definition of the same name replaces the earlier one, as it does in Python.
  const basesByName = new Map<string, string[]>();
  for (const definition of definitions) basesByName.set(definition.name, definition.bases);

  const scenes: SceneClass[] = [];
  const seen = new Set<string>();
  for (const definition of definitions) {
    if (seen.has(definition.name)) continue;
    seen.add(definition.name);
    if (isSceneClass(definition.name, basesByName, new Set())) {
      scenes.push({ name: definition.name, line: definition.line });
    }
  }
  return scenes;
}

/**
 * The scene to render: the requested one, or the only one. With `importsModules` (the request
 * brings Python modules) a requested class also counts when it derives from a class the code
 * imports, which the code alone cannot tell to be a scene.
 */
export function resolveScene(
  code: string,
  requested: string | undefined,
  options: { importsModules?: boolean } = {},
): string {
  const found = detectSceneClasses(code).map((scene) => scene.name);

  if (requested !== undefined) {
    if (found.includes(requested)) return requested;
    if (options.importsModules === true && definesImportedSubclass(code, requested)) {
      return requested;
    }
    const available =
      found.length === 0 ? 'no Scene subclass is defined' : `found: ${found.join(', ')}`;
    throw new AppError(
      'scene_not_found',
      `Scene "${requested}" is not defined in the code (${available})`,
      { details: { requested, found } },
    );
  }

  const [only] = found;
  if (found.length === 1 && only !== undefined) return only;
  if (found.length === 0) {
    const imported = options.importsModules === true ? ' or name it in "scene"' : '';
    throw new AppError(
      'scene_not_found',
      `No Scene subclass found in the code; define a class deriving from Scene (or MovingCameraScene, ThreeDScene, ...)${imported}`,
      { details: { found: [] } },
    );
  }
  throw new AppError(
    'scene_not_found',
    `The code defines ${found.length} scenes (${found.join(', ')}); name the one to render in "scene"`,
    { details: { found } },
  );
}

/** A module-level class named `name` whose bases are not all defined in the code itself. */
function definesImportedSubclass(code: string, name: string): boolean {
  const definitions = moduleLevelClasses(tokenizeLogicalLines(code));
  const local = new Set(definitions.map((definition) => definition.name));
  const definition = definitions.find((candidate) => candidate.name === name);
  return definition !== undefined && definition.bases.some((base) => !local.has(base));
}

function isSceneClass(
  name: string,
  basesByName: Map<string, string[]>,
  visiting: Set<string>,
): boolean {
  if (visiting.has(name)) return false; // inheritance cycle: invalid Python, not a scene
  visiting.add(name);
  const bases = basesByName.get(name) ?? [];
  return bases.some((base) => {
    const parts = base.split('.');
    const last = parts[parts.length - 1] ?? '';
    if (parts.length > 1) return MANIM_SCENE_BASES.includes(last);
    if (basesByName.has(base)) return isSceneClass(base, basesByName, visiting);
    return MANIM_SCENE_BASES.includes(base);
  });
}

/**
 * The classes whose definition is not inside a function or another class, that is, the classes
 * Manim can see as attributes of the module (a class inside a module-level `if` counts).
 */
function moduleLevelClasses(lines: LogicalLine[]): ClassDefinition[] {
  const classes: ClassDefinition[] = [];
  const enclosing: { indent: number }[] = [];

  for (const logical of lines) {
    while (
      enclosing.length > 0 &&
      (enclosing[enclosing.length - 1]?.indent ?? 0) >= logical.indent
    ) {
      enclosing.pop();
    }
    const first = logical.tokens[0]?.text;
    const second = logical.tokens[1]?.text;
    const opensScope =
      first === 'class' || first === 'def' || (first === 'async' && second === 'def');
    if (!opensScope) continue;

    if (first === 'class' && enclosing.length === 0) {
      const definition = parseClassStatement(logical);
      if (definition !== undefined) classes.push(definition);
    }
    enclosing.push({ indent: logical.indent });
  }
  return classes;
}

/** Reads `class Name[TypeParams](base, other.Base, metaclass=M):` from a logical line. */
function parseClassStatement(logical: LogicalLine): ClassDefinition | undefined {
  const tokens = logical.tokens;
  const nameToken = tokens[1];
  if (nameToken === undefined || nameToken.kind !== 'name') return undefined;

  let index = 2;
  if (tokens[index]?.text === '[') index = indexAfterClosingBracket(tokens, index);
  if (tokens[index]?.text !== '(') {
    return { name: nameToken.text, line: logical.line, bases: [] };
  }

  const end = indexAfterClosingBracket(tokens, index) - 1;
  const bases: string[] = [];
  for (const argument of splitTopLevelArguments(tokens.slice(index + 1, end))) {
    const isKeyword = argument[1]?.text === '=';
    const isUnpacked = argument[0]?.text === '*' || argument[0]?.text === '**';
    if (isKeyword || isUnpacked) continue;
    const dotted = dottedName(argument);
    if (dotted !== undefined) bases.push(dotted);
  }
  return { name: nameToken.text, line: logical.line, bases };
}

function indexAfterClosingBracket(tokens: Token[], openIndex: number): number {
  let depth = 0;
  for (let index = openIndex; index < tokens.length; index++) {
    const text = tokens[index]?.text;
    if (text === '(' || text === '[' || text === '{') depth++;
    if (text === ')' || text === ']' || text === '}') depth--;
    if (depth === 0) return index + 1;
  }
  return tokens.length;
}

function splitTopLevelArguments(tokens: Token[]): Token[][] {
  const argumentsList: Token[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (token.text === '(' || token.text === '[' || token.text === '{') depth++;
    if (token.text === ')' || token.text === ']' || token.text === '}') depth--;
    if (token.text === ',' && depth === 0) {
      argumentsList.push([]);
    } else {
      argumentsList[argumentsList.length - 1]?.push(token);
    }
  }
  return argumentsList.filter((argument) => argument.length > 0);
}

/** `a.b.C` when the tokens are exactly a dotted name, otherwise undefined. */
function dottedName(tokens: Token[]): string | undefined {
  if (tokens.length % 2 === 0) return undefined;
  const parts: string[] = [];
  for (const [index, token] of tokens.entries()) {
    const expected = index % 2 === 0 ? 'name' : 'op';
    if (token.kind !== expected || (expected === 'op' && token.text !== '.')) return undefined;
    if (expected === 'name') parts.push(token.text);
  }
  return parts.join('.');
}

// --- Lexer -------------------------------------------------------------------------------------

const IDENTIFIER_START = /[\p{L}\p{Nl}_]/u;
const IDENTIFIER_PART = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]/u;
const STRING_PREFIX = /^(?:[rRbBuUfF]|[rR][bBfF]|[bBfF][rR])$/;
const OPENING = '([{';
const CLOSING = ')]}';
const TWO_CHARACTER_OPERATORS = ['**', '//', '==', '!=', '<=', '>=', ':=', '->', '<<', '>>'];

/**
 * Splits Python source into logical lines of tokens. Only what class detection needs is
 * tokenized faithfully: names, brackets, punctuation, and the extent of strings and comments.
 */
function tokenizeLogicalLines(code: string): LogicalLine[] {
  const source = code.replace(/\r\n?/g, '\n');
  const lines: LogicalLine[] = [];
  let current: LogicalLine | undefined;
  let depth = 0;
  let continued = false; // the previous physical line ended with a backslash
  let lineNumber = 1;
  let atLineStart = true;
  let index = 0;

  const push = (token: Token): void => {
    current?.tokens.push(token);
  };

  while (index < source.length) {
    if (atLineStart) {
      atLineStart = false;
      const indentEnd = skipIndentation(source, index);
      if (current === undefined) {
        current = {
          line: lineNumber,
          indent: measureIndent(source.slice(index, indentEnd)),
          tokens: [],
        };
      }
      index = indentEnd;
      continue;
    }

    const char = source[index] ?? '';

    if (char === '\n') {
      lineNumber++;
      index++;
      atLineStart = true;
      if (depth === 0 && !continued) {
        if (current !== undefined && current.tokens.length > 0) lines.push(current);
        current = undefined;
      }
      continued = false;
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\f') {
      index++;
      continue;
    }
    if (char === '#') {
      while (index < source.length && source[index] !== '\n') index++;
      continue;
    }
    if (char === '\\' && source[index + 1] === '\n') {
      continued = true;
      index++;
      continue;
    }

    if (IDENTIFIER_START.test(char)) {
      let end = index + 1;
      while (end < source.length && IDENTIFIER_PART.test(source[end] ?? '')) end++;
      const word = source.slice(index, end);
      const next = source[end];
      if ((next === '"' || next === "'") && STRING_PREFIX.test(word)) {
        const stringEnd = endOfString(source, end);
        lineNumber += countNewlines(source, index, stringEnd);
        push({ kind: 'string', text: source.slice(index, stringEnd) });
        index = stringEnd;
      } else {
        push({ kind: 'name', text: word });
        index = end;
      }
      continue;
    }
    if (char === '"' || char === "'") {
      const stringEnd = endOfString(source, index);
      lineNumber += countNewlines(source, index, stringEnd);
      push({ kind: 'string', text: source.slice(index, stringEnd) });
      index = stringEnd;
      continue;
    }
    if (/[0-9]/.test(char) || (char === '.' && /[0-9]/.test(source[index + 1] ?? ''))) {
      let end = index + 1;
      while (end < source.length && /[\w.]/.test(source[end] ?? '')) end++;
      push({ kind: 'number', text: source.slice(index, end) });
      index = end;
      continue;
    }

    if (OPENING.includes(char)) depth++;
    if (CLOSING.includes(char)) depth = Math.max(0, depth - 1);
    const pair = source.slice(index, index + 2);
    const operator = TWO_CHARACTER_OPERATORS.includes(pair) ? pair : char;
    push({ kind: 'op', text: operator });
    index += operator.length;
  }

  if (current !== undefined && current.tokens.length > 0) lines.push(current);
  return lines;
}

function skipIndentation(source: string, index: number): number {
  let end = index;
  while (end < source.length && ' \t\f'.includes(source[end] ?? '')) end++;
  return end;
}

/** Python's rule: a tab advances to the next multiple of 8, a form feed resets the count. */
function measureIndent(whitespace: string): number {
  let column = 0;
  for (const char of whitespace) {
    if (char === '\t') column = (Math.floor(column / 8) + 1) * 8;
    else if (char === '\f') column = 0;
    else column++;
  }
  return column;
}

/**
 * The index just past the string literal whose opening quote is at `quoteIndex`. An unterminated
 * single-quoted string ends at the end of its line; an unterminated triple-quoted one at the end
 * of the code.
 */
function endOfString(source: string, quoteIndex: number): number {
  const quote = source[quoteIndex] ?? '"';
  const triple = source.startsWith(quote.repeat(3), quoteIndex);
  const delimiter = triple ? quote.repeat(3) : quote;
  let index = quoteIndex + delimiter.length;
  while (index < source.length) {
    const char = source[index];
    // Even in raw strings a backslash keeps the next quote from ending the literal.
    if (char === '\\') {
      index += 2;
      continue;
    }
    if (char === '\n' && !triple) return index;
    if (source.startsWith(delimiter, index)) return index + delimiter.length;
    index++;
  }
  return source.length;
}

function countNewlines(source: string, start: number, end: number): number {
  let count = 0;
  for (let index = start; index < end; index++) if (source[index] === '\n') count++;
  return count;
}
