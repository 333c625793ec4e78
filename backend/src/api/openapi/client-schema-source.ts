import { QUALITIES } from '../../config/config-schema';
import { loadConfig } from '../../config/load-config';
import { ADMIN_QUEUES_PATH } from '../create-app';
import { buildOpenApiDocument } from './openapi-document';
import type { OpenApiDocument, SchemaObject } from './openapi-types';

/** Where the typed client keeps the types generated from the OpenAPI description. */
export const CLIENT_TYPES_FILE = 'backend/src/client/api-schema.ts';

/**
 * The OpenAPI description the typed client (backend/src/client/) is generated from: the one a
 * server with the default configuration serves, with the request enums that depend on the
 * configuration widened, so that the types accept what any server may serve: every Manim version
 * (MANIM_VERSIONS) and every quality (MAX_QUALITY caps it).
 */
export function clientOpenApiDocument(): OpenApiDocument {
  // An empty environment: the defaults, whatever the machine that generates it has set.
  const document = buildOpenApiDocument(loadConfig({}), { adminQueuesPath: ADMIN_QUEUES_PATH });
  const schemas = document.components?.schemas ?? {};
  for (const name of ['RenderRequest', 'RenderUpload']) {
    const properties = schemas[name]?.properties;
    if (properties === undefined) throw new Error(`The document has no ${name} properties`);
    properties.manimVersion = widened(properties.manimVersion, undefined);
    properties.quality = widened(properties.quality, [...QUALITIES]);
  }
  return document;
}

/**
 * The field's schema with each list of served values (an enum that is not just "" or null)
 * replaced: by another list, or by none (any string).
 */
function widened(schema: SchemaObject | undefined, values: string[] | undefined): SchemaObject {
  if (schema === undefined) throw new Error('A widened field is missing from the document');
  const { enum: served, anyOf, ...rest } = schema;
  const listsServed = served?.some((value) => value !== '' && value !== null) === true;
  return {
    ...rest,
    ...(served === undefined || (listsServed && values === undefined)
      ? {}
      : { enum: listsServed ? values : served }),
    ...(anyOf === undefined ? {} : { anyOf: anyOf.map((part) => widened(part, values)) }),
  };
}
