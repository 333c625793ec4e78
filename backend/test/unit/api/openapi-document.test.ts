import { ADMIN_QUEUES_PATH } from '../../../src/api/create-app';
import { toOpenApiPath } from '../../../src/api/openapi/openapi-builders';
import { buildOpenApiDocument } from '../../../src/api/openapi/openapi-document';
import {
  HTTP_METHODS,
  isReference,
  type OpenApiDocument,
  type OperationObject,
  type ParameterObject,
  type ResponseObject,
  type SchemaObject,
} from '../../../src/api/openapi/openapi-types';
import { readinessVerdict } from '../../../src/api/readiness';
import { parseRenderRequest } from '../../../src/api/render-request';
import { FORM_ONLY_FIELDS, RENDER_FIELDS } from '../../../src/api/render-request-schema';
import { UPLOAD_FIELDS } from '../../../src/api/render-uploads';
import { describeLimits } from '../../../src/api/routes/limits-routes';
import { FORMATS, QUALITIES } from '../../../src/config/config-schema';
import { loadConfig } from '../../../src/config/load-config';
import { ERROR_CATALOGUE, isErrorCode } from '../../../src/errors/app-error';
import { JOB_STATUSES } from '../../../src/job/render-job';
import { RENDER_STAGES } from '../../../src/job/job-progress';
import { detectSceneClasses } from '../../../src/manim/scene-detection';
import { resolvePointer, schemaProblems } from '../../support/schema-checker';

const config = loadConfig({ MAX_QUALITY: 'high', MAX_FPS: '48', MAX_CODE_BYTES: '5000' });
const document = buildOpenApiDocument(config, { adminQueuesPath: ADMIN_QUEUES_PATH });

function operations(doc: OpenApiDocument): Array<[string, string, OperationObject]> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    HTTP_METHODS.flatMap((method) => {
      const operation = item[method];
      return operation === undefined
        ? []
        : [[path, method, operation] as [string, string, OperationObject]];
    }),
  );
}

function schema(name: string): SchemaObject {
  const found = document.components.schemas[name];
  if (found === undefined) throw new Error(`no schema ${name}`);
  return found;
}

function deref<T extends object>(value: T | { $ref: string }): T {
  return isReference(value) ? (resolvePointer(document, value.$ref) as T) : value;
}

/** Every object in the document with the JSON path that leads to it. */
function* walk(node: unknown, path = '$'): Generator<[string, Record<string, unknown>]> {
  if (typeof node !== 'object' || node === null) return;
  if (Array.isArray(node)) {
    for (const [index, item] of node.entries()) yield* walk(item, `${path}[${index}]`);
    return;
  }
  yield [path, node as Record<string, unknown>];
  for (const [key, value] of Object.entries(node)) yield* walk(value, `${path}.${key}`);
}

/** Every schema object in the document: those of media types, parameters, headers, components. */
function allSchemas(): Array<[string, SchemaObject]> {
  const found: Array<[string, SchemaObject]> = [];
  const visit = (where: string, value: SchemaObject): void => {
    found.push([where, value]);
    for (const [name, property] of Object.entries(value.properties ?? {})) {
      visit(`${where}.properties.${name}`, property);
    }
    if (value.items) visit(`${where}.items`, value.items);
    if (typeof value.additionalProperties === 'object') {
      visit(`${where}.additionalProperties`, value.additionalProperties);
    }
    for (const keyword of ['oneOf', 'anyOf', 'allOf'] as const) {
      value[keyword]?.forEach((part, index) => visit(`${where}.${keyword}[${index}]`, part));
    }
  };
  for (const [path, node] of walk(document)) {
    if (isInsideExample(path) || path.includes('.schemas.') || path.includes('.schema.')) continue;
    if (typeof node.schema === 'object' && node.schema !== null) {
      visit(`${path}.schema`, node.schema as SchemaObject);
    }
  }
  for (const [name, value] of Object.entries(document.components.schemas)) {
    visit(`$.components.schemas.${name}`, value);
  }
  return found;
}

function isInsideExample(path: string): boolean {
  return /\.examples?(\.|\[|$)/.test(path);
}

describe('the OpenAPI description', () => {
  it('is an OpenAPI 3.0 document with title and version, made of plain JSON', () => {
    expect(document.openapi).toMatch(/^3\.0\.\d+$/);
    expect(document.info.title).not.toBe('');
    expect(document.info.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });

  it('resolves every $ref', () => {
    const unresolved = [...walk(document)]
      .filter(([, node]) => typeof node.$ref === 'string')
      .filter(([, node]) => resolvePointer(document, node.$ref as string) === undefined)
      .map(([path, node]) => `${path}: ${String(node.$ref)}`);
    expect(unresolved).toEqual([]);
  });

  it('gives every operation a unique operationId, a summary, known tags and described responses', () => {
    const ids = operations(document).map(([, , operation]) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = new Set(document.tags?.map((tag) => tag.name));
    for (const [path, method, operation] of operations(document)) {
      const where = `${method} ${path}`;
      expect([where, operation.operationId]).toEqual([
        where,
        expect.stringMatching(/^[a-z][A-Za-z]+$/),
      ]);
      expect([where, operation.summary.length > 0]).toEqual([where, true]);
      expect([where, operation.tags.every((tag) => tags.has(tag))]).toEqual([where, true]);
      const responses = Object.entries(operation.responses);
      expect([where, responses.length > 0]).toEqual([where, true]);
      for (const [status, response] of responses) {
        expect([where, status]).toEqual([where, expect.stringMatching(/^[1-5]\d\d$/)]);
        expect([where, status, deref<ResponseObject>(response).description]).toEqual([
          where,
          status,
          expect.any(String),
        ]);
      }
    }
  });

  it('declares exactly the path parameters each path has', () => {
    for (const [path, method, operation] of operations(document)) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      const declared = (operation.parameters ?? [])
        .map((parameter) => deref<ParameterObject>(parameter))
        .filter((parameter) => parameter.in === 'path');
      expect([method, path, declared.map((parameter) => parameter.name)]).toEqual([
        method,
        path,
        inPath,
      ]);
      expect(declared.every((parameter) => parameter.required === true)).toBe(true);
    }
  });

  it('names only security schemes it defines, and marks keys optional while the API is open', () => {
    const schemes = Object.keys(document.components.securitySchemes ?? {});
    for (const [, , operation] of operations(document)) {
      for (const requirement of operation.security ?? []) {
        for (const name of Object.keys(requirement)) expect(schemes).toContain(name);
      }
    }
    const render = document.paths['/api/animation/render']?.post;
    expect(render?.security).toContainEqual({});
    expect(render?.security).toContainEqual({ bearerAuth: [] });
    expect(document.paths['/health']?.get?.security).toEqual([]);
    expect(document.paths[ADMIN_QUEUES_PATH]?.get?.security).toContainEqual({ basicAuth: [] });

    const keyed = buildOpenApiDocument(loadConfig({ API_KEYS: 'k'.repeat(20) }), {
      adminQueuesPath: ADMIN_QUEUES_PATH,
    });
    expect(keyed.paths['/api/animation/render']?.post?.security).not.toContainEqual({});
    expect(keyed.paths['/api/openapi.json']?.get?.security).toEqual([]);
  });

  it('uses only the schema keywords the conformance checker understands', () => {
    const problems = allSchemas().flatMap(([where, value]) =>
      schemaProblems(document, value, undefined, where).filter((problem) =>
        problem.includes('unsupported keywords'),
      ),
    );
    expect(problems).toEqual([]);
    expect(allSchemas().length).toBeGreaterThan(100);
  });

  it('lists every error code of the catalogue, and each error response only codes of its status', () => {
    expect(schema('ErrorCode').enum).toEqual(Object.keys(ERROR_CATALOGUE));
    for (const [path, method, operation] of operations(document)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        const body = deref<ResponseObject>(response).content?.['application/json']?.schema;
        const narrowed = body?.allOf?.[1]?.properties?.error?.properties?.code?.enum ?? [];
        for (const code of narrowed) {
          expect(isErrorCode(code)).toBe(true);
          if (isErrorCode(code)) {
            expect([method, path, code, String(ERROR_CATALOGUE[code].status)]).toEqual([
              method,
              path,
              code,
              status,
            ]);
          }
        }
      }
    }
  });

  it('takes its enumerations and limits from the code and the configuration', () => {
    expect(schema('Quality').enum).toEqual(QUALITIES);
    expect(schema('OutputFormat').enum).toEqual(FORMATS);
    expect(schema('JobStatus').enum).toEqual(JOB_STATUSES);
    expect(schema('RenderStage').enum).toEqual(RENDER_STAGES);

    const request = schema('RenderRequest');
    expect(Object.keys(request.properties ?? {}).sort()).toEqual([...RENDER_FIELDS].sort());
    expect(Object.keys(schema('RenderUpload').properties ?? {}).sort()).toEqual(
      [...RENDER_FIELDS, ...FORM_ONLY_FIELDS, ...UPLOAD_FIELDS].sort(),
    );
    expect(request.properties?.quality?.anyOf?.[0]?.enum).toEqual(['low', 'medium', 'high']);
    expect(request.properties?.fps?.anyOf?.[0]?.anyOf?.[0]?.maximum).toBe(48);
    expect(request.properties?.code?.description).toContain('at most 5000 UTF-8 bytes');
  });

  it('has examples that match their own schemas', () => {
    const problems: string[] = [];
    let checked = 0;
    const check = (target: SchemaObject, value: unknown, where: string): void => {
      checked += 1;
      problems.push(...schemaProblems(document, target, value, where));
    };
    for (const [path, node] of walk(document)) {
      if (isInsideExample(path)) continue;
      const own = node.schema as SchemaObject | undefined;
      if (own !== undefined) {
        // A media type, parameter or header: its examples follow its schema.
        if ('example' in node) check(own, node.example, `${path}.example`);
        const named = (node.examples ?? {}) as Record<string, { value: unknown }>;
        for (const [name, example] of Object.entries(named)) {
          check(own, example.value, `${path}.examples.${name}`);
        }
      } else if ('example' in node && (node.type !== undefined || node.$ref !== undefined)) {
        check(node as SchemaObject, node.example, `${path}.example`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });

  it('describes render request examples that the server accepts', () => {
    const examples =
      document.paths['/api/animation/render']?.post?.requestBody?.content['application/json']
        ?.examples;
    expect(Object.keys(examples ?? {}).length).toBeGreaterThan(0);
    for (const example of Object.values(examples ?? {})) {
      const fields = example.value as Record<string, unknown>;
      expect(() => parseRenderRequest({ fields }, config)).not.toThrow();
    }
  });

  it('matches what the pure parts of the API produce', () => {
    const check = (name: string, value: unknown) =>
      expect(schemaProblems(document, schema(name), value)).toEqual([]);
    check('Limits', JSON.parse(JSON.stringify(describeLimits(config))));
    check('SceneList', {
      scenes: detectSceneClasses('from manim import *\nclass A(Scene):\n    pass\n'),
    });
    check(
      'Readiness',
      readinessVerdict({
        redis: { ok: false, error: 'connection refused' },
        storage: {
          ok: false,
          backend: 's3',
          location: 'http://store:8333 (bucket videos)',
          error: 'ECONNREFUSED',
        },
        disk: { freeBytes: 10 * 1024 * 1024 },
        workers: {
          statuses: [
            {
              workerId: 'w1',
              hostname: 'host',
              pid: 42,
              startedAt: '2025-01-20T10:15:02.118Z',
              engine: {
                ok: false,
                error: 'gone',
                hint: 'start it',
                checkedAt: '2025-01-20T10:15:03.000Z',
              },
              images: [{ manimVersion: '0.22.0', name: 'manim-render:x', present: true }],
              paused: true,
            },
          ],
        },
        minFreeMb: 1024,
        queueName: 'q',
      }),
    );
  });

  it('writes express paths in OpenAPI form', () => {
    expect(toOpenApiPath('/api/animation/jobs/:id/video')).toBe('/api/animation/jobs/{id}/video');
    expect(toOpenApiPath('/health')).toBe('/health');
  });
});
