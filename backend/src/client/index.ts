/** The typed client of the Manim render service; see docs/client.md. */
export { ManimRenderClient } from './manim-render-client';
export type {
  ManimRenderClientOptions,
  RenderFields,
  SubmittedRender,
  UploadFile,
} from './manim-render-client';
export { CLIENT_ERROR_CODES, ManimRenderError } from './client-error';
export type { JobEvent } from './job-events';
export { EventStreamParser, type ServerSentEvent } from './event-stream-parser';
export * from './api-types';
export type { components, operations, paths } from './api-schema';
