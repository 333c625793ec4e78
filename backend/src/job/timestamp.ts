import { z } from 'zod';

/** A timestamp as JSON carries it: an ISO 8601 string, described as `date-time`. */
export function timestampSchema(description: string) {
  return z.string().meta({ format: 'date-time', description });
}
