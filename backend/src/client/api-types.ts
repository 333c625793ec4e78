import type { components } from './api-schema';

/** The shapes of the HTTP API the client hands out, by their names in the OpenAPI description. */
type Schemas = components['schemas'];

export type JobView = Schemas['JobView'];
export type JobStatus = Schemas['JobStatus'];
export type RenderProgress = Schemas['RenderProgress'];
export type RenderRequest = Schemas['RenderRequest'];
export type SubmittedJob = Schemas['SubmittedJob'];
export type ReusedJob = Schemas['ReusedJob'];
export type JobLogs = Schemas['JobLogs'];
export type SceneClass = Schemas['SceneClass'];
export type ErrorCode = Schemas['ErrorCode'];

/**
 * An error body. Its code is one this client knows, or another a newer server may send: the client
 * validates nothing at run time, so it passes on whatever the server says.
 */
export interface ErrorBody {
  code: ErrorCode | (string & {});
  message: string;
  hint: string;
  details?: Record<string, unknown>;
}

/** The statuses after which a job changes no more. */
export const ENDED_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

export function hasEnded(status: JobStatus): boolean {
  return ENDED_STATUSES.includes(status);
}
