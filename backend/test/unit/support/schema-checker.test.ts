import type { SchemaObject } from '../../../src/api/openapi/openapi-types';
import { schemaProblems } from '../../support/schema-checker';

const root = {
  components: {
    schemas: {
      Colour: { type: 'string', enum: ['red', 'green'] },
      Point: {
        type: 'object',
        properties: { x: { type: 'integer', minimum: 0 }, y: { type: 'integer', maximum: 9 } },
        required: ['x', 'y'],
        additionalProperties: false,
      },
    },
  },
};

function problems(schema: SchemaObject, value: unknown): string[] {
  return schemaProblems(root, schema, value);
}

describe('the schema checker', () => {
  it('accepts values that conform', () => {
    expect(problems({ $ref: '#/components/schemas/Point' }, { x: 1, y: 2 })).toEqual([]);
    expect(
      problems({ type: 'array', items: { $ref: '#/components/schemas/Colour' } }, ['red']),
    ).toEqual([]);
    expect(problems({ type: 'string', format: 'date-time' }, '2025-01-20T10:15:02.118Z')).toEqual(
      [],
    );
    expect(problems({ type: 'string', nullable: true }, null)).toEqual([]);
    expect(problems({ type: 'object', additionalProperties: true }, { any: [1] })).toEqual([]);
  });

  it('names the path and the rule of every problem', () => {
    expect(problems({ $ref: '#/components/schemas/Point' }, { x: -1, z: 3 })).toEqual([
      '$: lacks the required property y',
      '$.x: -1 is below the minimum 0',
      '$: has the undocumented property z',
    ]);
    expect(
      problems({ type: 'array', items: { $ref: '#/components/schemas/Colour' } }, ['blue']),
    ).toEqual(['$[0]: "blue" is not one of ["red","green"]']);
    expect(problems({ type: 'integer' }, 1.5)).toEqual(['$: 1.5 is not of type integer']);
    expect(problems({ type: 'string' }, null)).toEqual(['$: is null, expected string']);
    expect(problems({ type: 'string', pattern: '^a+$', maxLength: 2 }, 'aaa')).toEqual([
      '$: is 3 characters, longer than 2',
    ]);
    expect(problems({ type: 'string', format: 'date-time' }, 'yesterday')).toEqual([
      '$: "yesterday" is not an RFC 3339 date-time',
    ]);
    expect(problems({ $ref: '#/components/schemas/Missing' }, 1)).toEqual([
      '$: unresolved reference #/components/schemas/Missing',
    ]);
  });

  it('applies oneOf, anyOf and allOf', () => {
    const either: SchemaObject = { oneOf: [{ type: 'integer' }, { type: 'string' }] };
    expect(problems(either, 3)).toEqual([]);
    expect(problems(either, true)).toHaveLength(1);
    expect(problems({ oneOf: [{ type: 'number' }, { type: 'integer' }] }, 3)).toEqual([
      '$: matches 2 alternatives of oneOf, not exactly one',
    ]);
    expect(problems({ anyOf: [{ type: 'number' }, { type: 'integer' }] }, 3)).toEqual([]);
    expect(
      problems(
        {
          allOf: [
            { $ref: '#/components/schemas/Point' },
            { type: 'object', properties: { x: { type: 'integer', enum: [5] } } },
          ],
        },
        { x: 4, y: 1 },
      ),
    ).toEqual(['$.x: 4 is not one of [5]']);
  });

  it('refuses keywords it does not check', () => {
    expect(problems({ type: 'string', const: 'a' } as SchemaObject, 'b')).toEqual([
      '$: schema uses unsupported keywords const',
    ]);
  });
});
