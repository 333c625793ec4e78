/**
 * The part of OpenAPI 3.0 this service's description uses. Schemas are the OpenAPI 3.0 dialect of
 * JSON Schema: `nullable` instead of a `null` type, and a `$ref` stands alone.
 */

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type SchemaType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';

export interface SchemaObject {
  $ref?: string;
  type?: SchemaType;
  format?: string;
  title?: string;
  description?: string;
  enum?: readonly JsonValue[];
  nullable?: boolean;
  default?: JsonValue;
  example?: JsonValue;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  additionalProperties?: boolean | SchemaObject;
  items?: SchemaObject;
  oneOf?: SchemaObject[];
  anyOf?: SchemaObject[];
  allOf?: SchemaObject[];
  not?: SchemaObject;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
}

export interface ExampleObject {
  summary?: string;
  description?: string;
  value: JsonValue;
}

/** One named event of a text/event-stream response (an extension: OpenAPI 3.0 has no SSE). */
export interface ServerSentEventObject {
  description: string;
  schema: SchemaObject;
}

export interface MediaTypeObject {
  schema?: SchemaObject;
  example?: JsonValue;
  examples?: Record<string, ExampleObject>;
  encoding?: Record<
    string,
    { contentType?: string; headers?: Record<string, HeaderObject | ReferenceObject> }
  >;
  'x-server-sent-events'?: Record<string, ServerSentEventObject>;
}

export interface HeaderObject {
  description?: string;
  required?: boolean;
  schema: SchemaObject;
  example?: JsonValue;
}

export interface ReferenceObject {
  $ref: string;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, HeaderObject | ReferenceObject>;
  content?: Record<string, MediaTypeObject>;
  links?: Record<string, LinkObject>;
}

/** How a value of this response feeds another operation, e.g. a job id into its routes. */
export interface LinkObject {
  operationId: string;
  parameters?: Record<string, string>;
  description?: string;
}

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header';
  description?: string;
  required?: boolean;
  schema: SchemaObject;
  example?: JsonValue;
}

export interface RequestBodyObject {
  description?: string;
  required?: boolean;
  content: Record<string, MediaTypeObject>;
}

export type SecurityRequirement = Record<string, string[]>;

export interface OperationObject {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: Array<ParameterObject | ReferenceObject>;
  requestBody?: RequestBodyObject;
  responses: Record<string, ResponseObject | ReferenceObject>;
  security?: SecurityRequirement[];
  /** Requests the service itself sends, by name, then by the expression that gives their URL. */
  callbacks?: Record<string, Record<string, PathItemObject>>;
}

export const HTTP_METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type PathItemObject = Partial<Record<HttpMethod, OperationObject>> & {
  summary?: string;
  description?: string;
  /** Everything below this path is a mounted application (its own pages and API), not listed here. */
  'x-mounted-application'?: boolean;
};

export type SecuritySchemeObject =
  | { type: 'http'; scheme: 'bearer' | 'basic'; description?: string; bearerFormat?: string }
  | { type: 'apiKey'; in: 'header' | 'query'; name: string; description?: string };

export interface OpenApiDocument {
  openapi: string;
  info: {
    title: string;
    version: string;
    description?: string;
    license?: { name: string };
  };
  servers?: Array<{ url: string; description?: string }>;
  tags?: Array<{ name: string; description?: string }>;
  paths: Record<string, PathItemObject>;
  components: {
    schemas: Record<string, SchemaObject>;
    responses?: Record<string, ResponseObject>;
    parameters?: Record<string, ParameterObject>;
    headers?: Record<string, HeaderObject>;
    securitySchemes?: Record<string, SecuritySchemeObject>;
  };
}

export function isReference(value: object): value is ReferenceObject {
  return typeof (value as { $ref?: unknown }).$ref === 'string';
}
