import type { SchemaObject } from '../../src/api/openapi/openapi-types';

/**
 * Checks a value against a schema of the OpenAPI 3.0 description: the subset of JSON Schema the
 * description uses (type, format date-time, enum, nullable, properties, required,
 * additionalProperties, items, oneOf/anyOf/allOf/not, bounds, pattern). A keyword outside that
 * subset is reported rather than ignored, so the description cannot use one that goes unchecked.
 */

const KNOWN_KEYWORDS = new Set([
  '$ref',
  'type',
  'format',
  'title',
  'description',
  'enum',
  'nullable',
  'default',
  'example',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'oneOf',
  'anyOf',
  'allOf',
  'not',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
]);

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Resolves a local reference (`#/components/schemas/Name`) in `root`. */
export function resolvePointer(root: unknown, reference: string): unknown {
  if (!reference.startsWith('#/')) throw new Error(`Only local references are used: ${reference}`);
  let node: unknown = root;
  for (const raw of reference.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Every way `value` breaks `schema`, each as `<path>: <problem>`; empty when it conforms. */
export function schemaProblems(
  root: unknown,
  schema: SchemaObject,
  value: unknown,
  path = '$',
): string[] {
  if (schema.$ref !== undefined) {
    const target = resolvePointer(root, schema.$ref);
    if (target === undefined) return [`${path}: unresolved reference ${schema.$ref}`];
    return schemaProblems(root, target as SchemaObject, value, path);
  }
  const unknown = Object.keys(schema).filter(
    (keyword) => !KNOWN_KEYWORDS.has(keyword) && !keyword.startsWith('x-'),
  );
  if (unknown.length > 0)
    return [`${path}: schema uses unsupported keywords ${unknown.join(', ')}`];

  const problems: string[] = [];
  if (schema.allOf) {
    for (const part of schema.allOf) problems.push(...schemaProblems(root, part, value, path));
  }
  if (schema.anyOf) {
    const results = schema.anyOf.map((part) => schemaProblems(root, part, value, path));
    if (results.every((result) => result.length > 0)) {
      problems.push(`${path}: matches none of anyOf (${results.map(summary).join(' | ')})`);
    }
  }
  if (schema.not && schemaProblems(root, schema.not, value, path).length === 0) {
    problems.push(`${path}: matches the schema it must not match`);
  }
  if (schema.oneOf) {
    const results = schema.oneOf.map((part) => schemaProblems(root, part, value, path));
    const matches = results.filter((result) => result.length === 0).length;
    if (matches === 0) {
      problems.push(`${path}: matches none of oneOf (${results.map(summary).join(' | ')})`);
    } else if (matches > 1) {
      problems.push(`${path}: matches ${matches} alternatives of oneOf, not exactly one`);
    }
  }

  if (value === null) {
    if (schema.nullable === true || schema.enum?.includes(null)) return problems;
    if (schema.type !== undefined) problems.push(`${path}: is null, expected ${schema.type}`);
    return problems;
  }

  if (schema.enum !== undefined && !schema.enum.some((allowed) => sameValue(allowed, value))) {
    problems.push(`${path}: ${show(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (schema.type !== undefined && !hasType(value, schema.type)) {
    problems.push(`${path}: ${show(value)} is not of type ${schema.type}`);
    return problems;
  }

  if (typeof value === 'string') problems.push(...stringProblems(schema, value, path));
  if (typeof value === 'number') problems.push(...numberProblems(schema, value, path));
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      problems.push(`${path}: has ${value.length} items, fewer than ${schema.minItems}`);
    }
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      problems.push(`${path}: has ${value.length} items, more than ${schema.maxItems}`);
    }
    if (schema.items !== undefined) {
      const items = schema.items;
      value.forEach((item, index) =>
        problems.push(...schemaProblems(root, items, item, `${path}[${index}]`)),
      );
    }
  } else if (typeof value === 'object') {
    problems.push(...objectProblems(root, schema, value as Record<string, unknown>, path));
  }
  return problems;
}

function stringProblems(schema: SchemaObject, value: string, path: string): string[] {
  const problems: string[] = [];
  const length = [...value].length;
  if (schema.minLength !== undefined && length < schema.minLength) {
    problems.push(`${path}: is ${length} characters, shorter than ${schema.minLength}`);
  }
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    problems.push(`${path}: is ${length} characters, longer than ${schema.maxLength}`);
  }
  if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
    problems.push(`${path}: ${show(value)} does not match /${schema.pattern}/`);
  }
  if (
    schema.format === 'date-time' &&
    (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value)))
  ) {
    problems.push(`${path}: ${show(value)} is not an RFC 3339 date-time`);
  }
  return problems;
}

function numberProblems(schema: SchemaObject, value: number, path: string): string[] {
  const problems: string[] = [];
  if (schema.minimum !== undefined && value < schema.minimum) {
    problems.push(`${path}: ${value} is below the minimum ${schema.minimum}`);
  }
  if (schema.maximum !== undefined && value > schema.maximum) {
    problems.push(`${path}: ${value} is above the maximum ${schema.maximum}`);
  }
  return problems;
}

function objectProblems(
  root: unknown,
  schema: SchemaObject,
  value: Record<string, unknown>,
  path: string,
): string[] {
  const problems: string[] = [];
  const properties = schema.properties ?? {};
  for (const name of schema.required ?? []) {
    if (!Object.hasOwn(value, name)) problems.push(`${path}: lacks the required property ${name}`);
  }
  for (const [name, propertyValue] of Object.entries(value)) {
    const propertyPath = `${path}.${name}`;
    const propertySchema = properties[name];
    if (propertySchema !== undefined) {
      problems.push(...schemaProblems(root, propertySchema, propertyValue, propertyPath));
    } else if (schema.additionalProperties === false) {
      problems.push(`${path}: has the undocumented property ${name}`);
    } else if (typeof schema.additionalProperties === 'object') {
      problems.push(
        ...schemaProblems(root, schema.additionalProperties, propertyValue, propertyPath),
      );
    }
  }
  return problems;
}

function hasType(value: unknown, type: NonNullable<SchemaObject['type']>): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

function summary(problems: string[]): string {
  return problems.slice(0, 2).join('; ');
}
