import type { SchemaObject } from '../../../src/api/openapi/openapi-types';
import { parseRenderRequest } from '../../../src/api/render-request';
import { renderRequestJsonSchema, type RenderField } from '../../../src/api/render-request-schema';
import { loadConfig } from '../../../src/config/load-config';
import { AppError } from '../../../src/errors/app-error';
import { schemaProblems } from '../../support/schema-checker';

const config = loadConfig({
  MAX_CODE_BYTES: '1000',
  MAX_QUALITY: 'high',
  MAX_FPS: '48',
  MAX_WIDTH: '1920',
  MAX_HEIGHT: '1080',
  MAX_RENDER_TIMEOUT_SECONDS: '600',
});
const code = 'from manim import *\n\nclass Intro(Scene):\n    def construct(self):\n        pass\n';
const description = renderRequestJsonSchema(config) as SchemaObject;

/** Values of each field: valid and invalid ones, in their JSON and their text forms. */
const samples: Record<Exclude<RenderField, 'code' | 'callbackUrl'>, unknown[]> = {
  scene: ['Intro', '', null, '0Intro', 'In tro', 7, 'x'.repeat(201)],
  manimVersion: ['0.22.0', 'v0.19.0', '', null, '0.18.1', 22, ' 0.22.0'],
  quality: ['low', 'high', '4k', 'ultra', '', null, 1],
  format: ['mp4', 'png', 'avi', '', null, true],
  fps: [1, 48, '30', '030', 0, '0', 49, '49', 2.5, '2.5', ' 30', '', null, true],
  resolution: ['1280x720', '16X16', '0016x16', '1281x720', '14x14', '1922x1080', '1280', 7, ''],
  transparent: [true, false, 'true', 'false', 'yes', 1, '', null],
  timeout: [1, 600, '600', 0, 601, '0', '-1', '', null],
  chunks: ['auto', 1, 4, '2', 0, 5, 'AUTO', 2.5, '', null],
  preview: [true, 'false', 'yes', 1, null],
  cache: [true, 'false', 'no', 0, null],
};

function serverAccepts(fields: Record<string, unknown>): boolean {
  try {
    parseRenderRequest({ fields }, config);
    return true;
  } catch (error) {
    if (error instanceof AppError && error.code === 'validation_failed') return false;
    throw error;
  }
}

function describedAsValid(fields: Record<string, unknown>): boolean {
  return schemaProblems(description, description, fields, '$').length === 0;
}

describe('the render request description', () => {
  it.each(Object.entries(samples))(
    'accepts exactly the values of %s the server accepts',
    (field, values) => {
      const disagreements = values
        .map((value) => ({ value, fields: { code, [field]: value } }))
        .filter(({ fields }) => serverAccepts(fields) !== describedAsValid(fields))
        .map(({ value, fields }) => ({ value, server: serverAccepts(fields) }));
      expect(disagreements).toEqual([]);
    },
  );

  it('requires code, and refuses fields it does not know, as the server does', () => {
    for (const fields of [{}, { code, colour: 'red' }, { code: '   ' }, { code: 42 }]) {
      expect({ fields, described: describedAsValid(fields) }).toEqual({
        fields,
        described: serverAccepts(fields),
      });
    }
  });
});
