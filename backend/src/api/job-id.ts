/**
 * A loose sanity check on job ids taken from URLs. It does not say that a job exists; it keeps
 * absurd ids (huge, or ones that would be odd as a folder name under OUTPUTS_DIR, such as "..")
 * away from the job store and the file system.
 */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export function isPlausibleJobId(id: string): boolean {
  return JOB_ID_PATTERN.test(id);
}
