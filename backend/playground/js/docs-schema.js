// Shows OpenAPI 3.0 schemas as readable field tables, and makes example values from them.

import { h, markdown } from './docs-markup.js';

const MAX_DEPTH = 6;

function refName(ref) {
  return ref.split('/').pop();
}

function resolveRef(doc, ref) {
  return ref
    .slice(2)
    .split('/')
    .reduce((node, key) => (node === undefined ? undefined : node[key]), doc);
}

function refLink(ref) {
  const name = refName(ref);
  return h('a', { class: 'type-ref', href: `#schema-${name}` }, name);
}

/** The type of a schema in a few words: `string`, `array of JobView`, `integer | string`, ... */
function typeLabel(schema) {
  if (!schema) return ['any'];
  if (schema.$ref) return [refLink(schema.$ref)];
  const alternatives = schema.oneOf ?? schema.anyOf;
  let parts;
  if (alternatives) {
    parts = alternatives.flatMap((part, index) =>
      index === 0 ? typeLabel(part) : [' | ', ...typeLabel(part)],
    );
  } else if (schema.allOf) {
    parts = schema.allOf.flatMap((part, index) =>
      index === 0 ? typeLabel(part) : [' & ', ...typeLabel(part)],
    );
  } else if (schema.type === 'array') {
    parts = ['array of ', ...typeLabel(schema.items)];
  } else {
    parts = [schema.type ?? 'any'];
    if (schema.format) parts.push(` (${schema.format})`);
  }
  if (schema.nullable) parts.push(' | null');
  return parts;
}

/** Enumerations, bounds, patterns and defaults, as small chips. */
function constraints(schema) {
  if (!schema || schema.$ref) return [];
  const chips = [];
  if (schema.enum) {
    for (const value of schema.enum)
      chips.push(h('code', { class: 'enum-value' }, JSON.stringify(value)));
  }
  const chip = (text) => chips.push(h('span', { class: 'constraint' }, text));
  if (schema.minimum !== undefined) chip(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) chip(`≤ ${schema.maximum}`);
  if (schema.minLength !== undefined) chip(`length ≥ ${schema.minLength}`);
  if (schema.maxLength !== undefined) chip(`length ≤ ${schema.maxLength}`);
  if (schema.minItems !== undefined) chip(`items ≥ ${schema.minItems}`);
  if (schema.pattern !== undefined) chip(`/${schema.pattern}/`);
  if (schema.default !== undefined) chip(`default ${JSON.stringify(schema.default)}`);
  for (const key of ['oneOf', 'anyOf']) {
    for (const part of schema[key] ?? []) chips.push(...constraints(part));
  }
  return chips;
}

function typeLine(schema) {
  return h('span', { class: 'type-line' }, [
    h('span', { class: 'type' }, typeLabel(schema)),
    ...constraints(schema),
  ]);
}

/**
 * A schema as a view: `compact` gives its type line only; otherwise objects become field tables
 * (nested objects inside), references to named schemas are links that expand on demand, and the
 * top-level reference is expanded at once.
 */
export function schemaView(doc, schema, options = {}) {
  if (options.compact) return typeLine(schema);
  if (options.collapsed) {
    const narrowed = narrowedError(schema);
    if (narrowed) {
      return h('div', { class: 'schema type-line' }, [
        h('span', { class: 'type' }, refLink(narrowed.ref)),
        h('span', { class: 'muted' }, 'with error.code'),
        ...narrowed.codes.map((code) => h('code', { class: 'enum-value' }, code)),
      ]);
    }
    if (schema.$ref) {
      const target = resolveRef(doc, schema.$ref);
      if (target) return h('div', { class: 'schema' }, lazyRef(doc, schema.$ref, target, 0));
    }
  }
  return h('div', { class: 'schema' }, view(doc, schema, 0, options.expandTop !== false));
}

/** `allOf: [{$ref}, {properties: {error: {properties: {code: {enum}}}}}]`: an error body whose code is one of a few. */
function narrowedError(schema) {
  const [base, narrowing] = schema.allOf ?? [];
  const codes = narrowing?.properties?.error?.properties?.code?.enum;
  if (schema.allOf?.length !== 2 || !base?.$ref || !Array.isArray(codes)) return undefined;
  return { ref: base.$ref, codes };
}

function view(doc, schema, depth, expandRef) {
  if (!schema) return [];
  if (schema.$ref) {
    const target = resolveRef(doc, schema.$ref);
    if (!target) return [h('span', { class: 'type' }, refLink(schema.$ref))];
    if (expandRef && depth < MAX_DEPTH) {
      return [
        h('div', { class: 'schema-ref-head' }, [
          h('span', { class: 'muted' }, 'Schema '),
          refLink(schema.$ref),
        ]),
        ...view(doc, target, depth + 1, false),
      ];
    }
    return [lazyRef(doc, schema.$ref, target, depth)];
  }
  const nodes = [];
  if (schema.description && depth === 0)
    nodes.push(h('div', { class: 'docs-prose' }, markdown(schema.description)));
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) {
    nodes.push(
      h('div', { class: 'schema-alternatives' }, [
        h('div', { class: 'schema-label' }, schema.oneOf ? 'One of' : 'Any of'),
        ...alternatives.map((part) =>
          h('div', { class: 'schema-alternative' }, alternativeView(doc, part, depth)),
        ),
      ]),
    );
    return nodes;
  }
  if (schema.allOf) {
    nodes.push(
      h('div', { class: 'schema-alternatives' }, [
        h('div', { class: 'schema-label' }, 'All of'),
        ...schema.allOf.map((part) =>
          h('div', { class: 'schema-alternative' }, alternativeView(doc, part, depth)),
        ),
      ]),
    );
    return nodes;
  }
  if (schema.type === 'object' && schema.properties) {
    nodes.push(fieldTable(doc, schema, depth));
    return nodes;
  }
  if (schema.type === 'array' && schema.items && !schema.items.$ref && schema.items.properties) {
    nodes.push(
      h('div', { class: 'schema-label' }, 'Array of'),
      fieldTable(doc, schema.items, depth),
    );
    return nodes;
  }
  nodes.push(typeLine(schema));
  return nodes;
}

function alternativeView(doc, part, depth) {
  if (part.$ref || !(part.properties || part.oneOf || part.allOf || part.anyOf))
    return typeLine(part);
  return view(doc, part, depth + 1, false);
}

/** A link to a named schema with a toggle that shows its fields here, built when first opened. */
function lazyRef(doc, ref, target, depth) {
  const details = h('details', { class: 'schema-lazy' }, [
    h('summary', {}, [
      h('span', { class: 'type' }, refLink(ref)),
      ...constraints(target).slice(0, 8),
    ]),
  ]);
  let built = false;
  details.addEventListener('toggle', () => {
    if (!details.open || built) return;
    built = true;
    details.append(h('div', { class: 'schema-nested' }, view(doc, target, depth + 1, false)));
  });
  return details;
}

function fieldTable(doc, schema, depth) {
  const required = new Set(schema.required ?? []);
  const rows = Object.entries(schema.properties).map(([name, property]) => {
    const nested =
      !property.$ref &&
      ((property.type === 'object' && property.properties) ||
        (property.type === 'array' &&
          property.items &&
          !property.items.$ref &&
          property.items.properties));
    const refTarget = property.$ref ? resolveRef(doc, property.$ref) : undefined;
    const refIsObject = refTarget && (refTarget.properties || refTarget.oneOf || refTarget.allOf);
    return h('div', { class: 'field-row' }, [
      h('div', { class: 'field-name' }, [
        h('code', {}, name),
        required.has(name) ? h('span', { class: 'required-mark', title: 'required' }, '*') : null,
      ]),
      h('div', { class: 'field-info' }, [
        refIsObject
          ? lazyRef(doc, property.$ref, refTarget, depth)
          : h('span', { class: 'type-line' }, [
              h('span', { class: 'type' }, typeLabel(property)),
              ...constraints(refTarget ?? property),
            ]),
        property.description
          ? h('div', { class: 'field-description' }, markdown(property.description))
          : null,
        refTarget && !refIsObject && refTarget.description
          ? h(
              'div',
              { class: 'field-description' },
              markdown(firstParagraph(refTarget.description)),
            )
          : null,
        nested && depth < MAX_DEPTH
          ? h('div', { class: 'schema-nested' }, view(doc, property, depth + 1, false))
          : null,
      ]),
    ]);
  });
  const extra =
    schema.additionalProperties === false
      ? null
      : h('div', { class: 'field-row field-extra muted' }, 'Other properties may appear.');
  return h('div', { class: 'field-table' }, [...rows, extra]);
}

function firstParagraph(text) {
  return text.split('\n\n', 1)[0];
}

/** An example value for a schema: its own example, else one made from its types. */
export function exampleOf(doc, schema, depth = 0) {
  if (!schema || depth > MAX_DEPTH) return null;
  if (schema.example !== undefined) return schema.example;
  if (schema.$ref) return exampleOf(doc, resolveRef(doc, schema.$ref), depth + 1);
  if (schema.oneOf || schema.anyOf)
    return exampleOf(doc, (schema.oneOf ?? schema.anyOf)[0], depth + 1);
  if (schema.allOf) {
    return schema.allOf.reduce((merged, part) => {
      const value = exampleOf(doc, part, depth + 1);
      return value && typeof value === 'object' && !Array.isArray(value)
        ? { ...merged, ...value }
        : merged;
    }, {});
  }
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'string':
      if (schema.format === 'date-time') return '2025-01-20T10:15:02.118Z';
      if (schema.format === 'uri') return 'https://example.com/hooks/manim';
      if (schema.format === 'binary') return '<binary>';
      return 'string';
    case 'integer':
    case 'number':
      return schema.minimum ?? 0;
    case 'boolean':
      return false;
    case 'array':
      return [exampleOf(doc, schema.items, depth + 1)];
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([name, property]) => [
          name,
          exampleOf(doc, property, depth + 1),
        ]),
      );
    default:
      return null;
  }
}
