// The API reference page: loads the server's OpenAPI description and shows every operation, its
// parameters, bodies, responses and examples, and every schema. Built with DOM calls only (the
// page's Content-Security-Policy allows no inline code or styles, and nothing from elsewhere).

import { h, markdown } from './docs-markup.js';
import { exampleOf, schemaView } from './docs-schema.js';

const DESCRIPTION_URL = '/api/openapi.json';
const STORAGE_PREFIX = 'manim-playground:';
const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'];

const elements = {
  main: document.querySelector('#docs-main'),
  nav: document.querySelector('#docs-nav'),
  filter: document.querySelector('#docs-filter'),
  title: document.querySelector('#docs-title'),
  tagline: document.querySelector('#docs-tagline'),
  themeToggle: document.querySelector('#theme-toggle'),
};

setUpTheme();
load();

async function load() {
  let description;
  try {
    const response = await fetch(DESCRIPTION_URL, { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`${DESCRIPTION_URL} answered ${response.status}`);
    description = await response.json();
  } catch (error) {
    elements.main.replaceChildren(
      h('div', { class: 'panel docs-error', role: 'alert' }, [
        h('strong', {}, 'The API description could not be loaded.'),
        h('p', {}, error instanceof Error ? error.message : String(error)),
      ]),
    );
    return;
  }
  render(description);
  elements.filter.addEventListener('input', () => applyFilter(elements.filter.value));
  window.addEventListener('hashchange', () => revealTarget());
  revealTarget();
}

/** The operations of the description in the order of its tags, then of its paths. */
function operationsByTag(doc) {
  const groups = new Map((doc.tags ?? []).map((tag) => [tag.name, { tag, operations: [] }]));
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const name = operation.tags?.[0] ?? 'Other';
      if (!groups.has(name)) groups.set(name, { tag: { name }, operations: [] });
      groups.get(name).operations.push({ path, method, operation, item });
    }
  }
  return [...groups.values()].filter((group) => group.operations.length > 0);
}

function render(doc) {
  elements.title.textContent = doc.info?.title ?? 'API';
  elements.tagline.textContent = `API reference · OpenAPI ${doc.openapi} · version ${doc.info?.version ?? '?'}`;
  document.title = `${doc.info?.title ?? 'API'} reference`;

  const groups = operationsByTag(doc);
  elements.nav.replaceChildren(...navigation(doc, groups));
  elements.main.replaceChildren(
    overview(doc),
    ...groups.map((group) => tagSection(doc, group)),
    schemasSection(doc),
  );
}

function navigation(doc, groups) {
  const sections = groups.map((group) =>
    h('div', { class: 'nav-group' }, [
      h('a', { class: 'nav-heading', href: `#tag-${slug(group.tag.name)}` }, group.tag.name),
      h(
        'ul',
        {},
        group.operations.map(({ path, method, operation }) =>
          h('li', { 'data-filter': filterText(path, method, operation) }, [
            h('a', { class: 'nav-link', href: `#op-${operation.operationId}` }, [
              methodBadge(method),
              h('span', { class: 'nav-path', title: path }, path),
            ]),
          ]),
        ),
      ),
    ]),
  );
  const schemaNames = Object.keys(doc.components?.schemas ?? {});
  sections.push(
    h('div', { class: 'nav-group' }, [
      h('a', { class: 'nav-heading', href: '#schemas' }, 'Schemas'),
      h(
        'ul',
        {},
        schemaNames.map((name) =>
          h('li', { 'data-filter': name.toLowerCase() }, [
            h('a', { class: 'nav-link', href: `#schema-${name}` }, [
              h('span', { class: 'nav-schema' }, name),
            ]),
          ]),
        ),
      ),
    ]),
  );
  return sections;
}

function overview(doc) {
  const schemes = Object.entries(doc.components?.securitySchemes ?? {});
  return h('section', { class: 'panel docs-section docs-overview', id: 'overview' }, [
    h('div', { class: 'docs-section-body' }, [
      h('h1', { class: 'docs-h1' }, doc.info?.title ?? 'API'),
      h('div', { class: 'docs-prose' }, markdown(doc.info?.description ?? '')),
      schemes.length === 0
        ? null
        : h('div', { class: 'docs-block' }, [
            h('h3', { class: 'docs-h3' }, 'Authentication'),
            h(
              'dl',
              { class: 'docs-defs' },
              schemes.flatMap(([name, scheme]) => [
                h('dt', {}, [
                  h('code', {}, name),
                  ' ',
                  h('span', { class: 'chip' }, schemeLabel(scheme)),
                ]),
                h('dd', {}, markdown(scheme.description ?? '')),
              ]),
            ),
          ]),
      h('div', { class: 'docs-actions' }, [
        h(
          'button',
          { class: 'ghost-button', type: 'button', onclick: () => setAllOpen(true) },
          'Expand all',
        ),
        h(
          'button',
          { class: 'ghost-button', type: 'button', onclick: () => setAllOpen(false) },
          'Collapse all',
        ),
      ]),
    ]),
  ]);
}

function schemeLabel(scheme) {
  if (scheme.type === 'http') return `HTTP ${scheme.scheme}`;
  if (scheme.type === 'apiKey') return `${scheme.name} in ${scheme.in}`;
  return scheme.type;
}

function tagSection(doc, group) {
  return h('section', { class: 'docs-tag', id: `tag-${slug(group.tag.name)}` }, [
    h('div', { class: 'docs-tag-head' }, [
      h('h2', { class: 'docs-h2' }, group.tag.name),
      group.tag.description ? h('p', { class: 'muted' }, group.tag.description) : null,
    ]),
    ...group.operations.map((entry) => operationCard(doc, entry)),
  ]);
}

function operationCard(doc, { path, method, operation, item }) {
  return h(
    'details',
    {
      class: 'panel docs-operation',
      id: `op-${operation.operationId}`,
      'data-filter': filterText(path, method, operation),
    },
    [
      h('summary', { class: 'operation-summary' }, [
        methodBadge(method),
        h('code', { class: 'operation-path' }, path),
        h('span', { class: 'operation-title' }, operation.summary ?? ''),
        securityChip(operation.security),
      ]),
      h('div', { class: 'operation-body' }, [
        operation.description
          ? h('div', { class: 'docs-prose' }, markdown(operation.description))
          : null,
        item['x-mounted-application']
          ? h('p', { class: 'docs-note' }, `Everything below ${path} belongs to this application.`)
          : null,
        parametersBlock(doc, operation.parameters),
        requestBlock(doc, operation.requestBody),
        responsesBlock(doc, operation.responses),
        callbacksBlock(doc, operation.callbacks),
        curlBlock(doc, path, method, operation),
      ]),
    ],
  );
}

function securityChip(security) {
  if (!Array.isArray(security) || security.length === 0) {
    return h('span', { class: 'chip chip-open' }, 'no key');
  }
  if (security.some((requirement) => Object.keys(requirement).length === 0)) {
    return h('span', { class: 'chip chip-open' }, 'key optional here');
  }
  return h('span', { class: 'chip chip-key' }, 'needs a key');
}

function parametersBlock(doc, parameters) {
  if (!parameters || parameters.length === 0) return null;
  const rows = parameters.map((parameter) => resolve(doc, parameter));
  return h('div', { class: 'docs-block' }, [
    h('h3', { class: 'docs-h3' }, 'Parameters'),
    h('table', { class: 'docs-table' }, [
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Name', 'In', 'Schema', 'Description'].map((text) => h('th', {}, text)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((parameter) =>
          h('tr', {}, [
            h('td', {}, [
              h('code', {}, parameter.name),
              parameter.required
                ? h('span', { class: 'required-mark', title: 'required' }, '*')
                : null,
            ]),
            h('td', {}, parameter.in),
            h('td', {}, schemaView(doc, parameter.schema, { compact: true })),
            h('td', {}, [
              ...markdown(parameter.description ?? ''),
              parameter.example === undefined
                ? null
                : h('p', { class: 'muted' }, [
                    'Example: ',
                    h('code', {}, String(parameter.example)),
                  ]),
            ]),
          ]),
        ),
      ),
    ]),
  ]);
}

function requestBlock(doc, requestBody) {
  if (!requestBody) return null;
  return h('div', { class: 'docs-block' }, [
    h('h3', { class: 'docs-h3' }, [
      'Request body',
      requestBody.required ? h('span', { class: 'chip' }, 'required') : null,
    ]),
    requestBody.description
      ? h('div', { class: 'docs-prose' }, markdown(requestBody.description))
      : null,
    ...Object.entries(requestBody.content ?? {}).map(([type, media]) =>
      mediaBlock(doc, type, media),
    ),
  ]);
}

function responsesBlock(doc, responses) {
  const entries = Object.entries(responses ?? {});
  if (entries.length === 0) return null;
  // The main success body is shown field by field; the others are a click away.
  const main = entries.find(([status, raw]) => status.startsWith('2') && resolve(doc, raw).content);
  return h('div', { class: 'docs-block' }, [
    h('h3', { class: 'docs-h3' }, 'Responses'),
    ...entries.map(([status, raw]) => {
      const response = resolve(doc, raw);
      const expand = main !== undefined && main[0] === status;
      return h('div', { class: 'response' }, [
        h('div', { class: 'response-head' }, [
          h('span', { class: `status status-${String(status)[0]}xx` }, status),
          h(
            'div',
            { class: 'docs-prose response-description' },
            markdown(response.description ?? ''),
          ),
        ]),
        headersBlock(doc, response.headers),
        ...Object.entries(response.content ?? {}).map(([type, media]) =>
          mediaBlock(doc, type, media, { expand }),
        ),
      ]);
    }),
  ]);
}

/**
 * Response headers. Shared ones (references to the description's components, like the request
 * id) are listed by name and type, their explanation on hover; the others in full.
 */
function headersBlock(doc, headers) {
  const entries = Object.entries(headers ?? {});
  if (entries.length === 0) return null;
  return h(
    'dl',
    { class: 'docs-defs response-headers' },
    entries.flatMap(([name, raw]) => {
      const header = resolve(doc, raw);
      const shared = typeof raw.$ref === 'string';
      return [
        h('dt', { title: shared ? (header.description ?? '') : undefined }, [
          h('code', {}, name),
          header.required ? h('span', { class: 'required-mark', title: 'always sent' }, '*') : null,
        ]),
        h('dd', {}, [
          schemaView(doc, header.schema, { compact: true }),
          ...(shared ? [] : markdown(header.description ?? '')),
        ]),
      ];
    }),
  );
}

function mediaBlock(doc, type, media, options = { expand: true }) {
  const examples = [];
  if (media.examples) {
    for (const [name, example] of Object.entries(media.examples)) {
      examples.push([example.summary ?? name, example.value]);
    }
  } else if (media.example !== undefined) {
    examples.push(['Example', media.example]);
  } else if (type.includes('json') && media.schema && options.expand) {
    examples.push(['Example', exampleOf(doc, media.schema)]);
  }
  const events = media['x-server-sent-events'];
  return h('div', { class: 'media' }, [
    h('div', { class: 'media-type' }, h('code', {}, type)),
    media.schema ? schemaView(doc, media.schema, { collapsed: !options.expand }) : null,
    events
      ? h('table', { class: 'docs-table' }, [
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Event', 'data', 'When'].map((text) => h('th', {}, text)),
            ),
          ),
          h(
            'tbody',
            {},
            Object.entries(events).map(([name, event]) =>
              h('tr', {}, [
                h('td', {}, h('code', {}, name)),
                h('td', {}, schemaView(doc, event.schema, { compact: true })),
                h('td', {}, markdown(event.description ?? '')),
              ]),
            ),
          ),
        ])
      : null,
    ...examples.map(([label, value]) =>
      h('details', { class: 'example', open: options.expand }, [
        h('summary', { class: 'example-label' }, label),
        h(
          'pre',
          { class: 'docs-code' },
          typeof value === 'string' ? value : JSON.stringify(value, null, 2),
        ),
      ]),
    ),
  ]);
}

function callbacksBlock(doc, callbacks) {
  if (!callbacks) return null;
  return h('div', { class: 'docs-block' }, [
    h('h3', { class: 'docs-h3' }, 'Callbacks'),
    ...Object.entries(callbacks).flatMap(([name, expressions]) =>
      Object.entries(expressions).flatMap(([expression, item]) =>
        METHODS.filter((method) => item[method]).map((method) => {
          const operation = item[method];
          return h('div', { class: 'callback' }, [
            h('div', { class: 'callback-head' }, [
              methodBadge(method),
              h('code', { class: 'operation-path' }, expression),
              h('span', { class: 'operation-title' }, `${name}: ${operation.summary ?? ''}`),
            ]),
            operation.description
              ? h('div', { class: 'docs-prose' }, markdown(operation.description))
              : null,
            parametersBlock(doc, operation.parameters),
            requestBlock(doc, operation.requestBody),
            responsesBlock(doc, operation.responses),
          ]);
        }),
      ),
    ),
  ]);
}

/** A curl command for the operation, with the first example of its body. */
function curlBlock(doc, path, method, operation) {
  const origin = window.location.origin;
  const parameters = (operation.parameters ?? []).map((parameter) => resolve(doc, parameter));
  let url = path.replace(/\{([^}]+)\}/g, (_match, name) => {
    const parameter = parameters.find(
      (candidate) => candidate.in === 'path' && candidate.name === name,
    );
    return parameter?.example === undefined ? `<${name}>` : String(parameter.example);
  });
  url = `${origin}${url}`;
  const parts = ['curl'];
  if (method === 'head') parts.push('-I');
  else if (method !== 'get') parts.push(`-X ${method.toUpperCase()}`);
  parts.push(`'${url}'`);
  const needsKey =
    Array.isArray(operation.security) &&
    operation.security.length > 0 &&
    !operation.security.some((requirement) => Object.keys(requirement).length === 0);
  if (needsKey) parts.push(`-H 'Authorization: Bearer <key>'`);
  const json = operation.requestBody?.content?.['application/json'];
  if (json) {
    const first = json.examples ? Object.values(json.examples)[0]?.value : json.example;
    const body = first ?? exampleOf(doc, json.schema);
    parts.push(`-H 'Content-Type: application/json'`);
    parts.push(`-d '${JSON.stringify(body).replace(/'/g, "'\\''")}'`);
  }
  return h('div', { class: 'docs-block' }, [
    h('h3', { class: 'docs-h3' }, 'Try it'),
    h('pre', { class: 'docs-code' }, parts.join(' \\\n  ')),
  ]);
}

function schemasSection(doc) {
  const schemas = Object.entries(doc.components?.schemas ?? {});
  return h('section', { class: 'docs-tag', id: 'schemas' }, [
    h('div', { class: 'docs-tag-head' }, [
      h('h2', { class: 'docs-h2' }, 'Schemas'),
      h('p', { class: 'muted' }, 'The shapes of the bodies above.'),
    ]),
    ...schemas.map(([name, schema]) =>
      h(
        'details',
        {
          class: 'panel docs-operation docs-schema',
          id: `schema-${name}`,
          'data-filter': name.toLowerCase(),
        },
        [
          h('summary', { class: 'operation-summary' }, [
            h('code', { class: 'operation-path' }, name),
            h('span', { class: 'operation-title' }, firstSentence(schema.description ?? '')),
          ]),
          h('div', { class: 'operation-body' }, [
            schemaView(doc, schema, { expandTop: true }),
            schema.type === 'object' || schema.$ref
              ? h('details', { class: 'example', open: true }, [
                  h('summary', { class: 'example-label' }, 'Example'),
                  h('pre', { class: 'docs-code' }, JSON.stringify(exampleOf(doc, schema), null, 2)),
                ])
              : null,
          ]),
        ],
      ),
    ),
  ]);
}

function firstSentence(text) {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 110 ? `${line.slice(0, 107)}…` : line;
}

function methodBadge(method) {
  return h('span', { class: `method method-${method}` }, method.toUpperCase());
}

function resolve(doc, value) {
  if (!value || typeof value.$ref !== 'string') return value;
  const target = value.$ref
    .slice(2)
    .split('/')
    .reduce((node, key) => (node === undefined ? undefined : node[key]), doc);
  return target ?? {};
}

function filterText(path, method, operation) {
  return [path, method, operation.operationId, operation.summary].join(' ').toLowerCase();
}

function slug(text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

function applyFilter(raw) {
  const words = raw.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = (element) => words.every((word) => element.dataset.filter.includes(word));
  for (const element of document.querySelectorAll('[data-filter]')) {
    element.hidden = words.length > 0 && !matches(element);
  }
  for (const section of document.querySelectorAll('.docs-tag, .nav-group')) {
    const entries = section.querySelectorAll('[data-filter]');
    section.hidden = entries.length > 0 && [...entries].every((entry) => entry.hidden);
  }
}

/** Opens the operation or schema the address points at, and scrolls to it. */
function revealTarget() {
  const id = decodeURIComponent(window.location.hash.slice(1));
  if (id === '') return;
  const target = document.getElementById(id);
  if (target === null) return;
  if (target instanceof HTMLDetailsElement) target.open = true;
  target.scrollIntoView({ block: 'start' });
}

function setAllOpen(open) {
  for (const details of document.querySelectorAll('details.docs-operation')) details.open = open;
}

function setUpTheme() {
  const root = document.documentElement;
  const saved = loadSetting('theme');
  if (saved === 'light' || saved === 'dark') root.dataset.theme = saved;
  elements.themeToggle.addEventListener('click', () => {
    const current =
      root.dataset.theme ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
    const next = current === 'dark' ? 'light' : 'dark';
    root.dataset.theme = next;
    saveSetting('theme', next);
  });
}

function loadSetting(name) {
  try {
    return window.localStorage.getItem(STORAGE_PREFIX + name) ?? undefined;
  } catch {
    return undefined;
  }
}

function saveSetting(name, value) {
  try {
    window.localStorage.setItem(STORAGE_PREFIX + name, value);
  } catch {
    // Storage full or disabled: the setting lasts for this page only.
  }
}
