/** POST /api/animation/render that must create a new job (202); resolves with its id. */
export async function submitNewJob(url: string, body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${url}/api/animation/render`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { id?: string };
  if (response.status !== 202 || !answer.id) {
    throw new Error(`POST answered ${response.status}: ${JSON.stringify(answer)}`);
  }
  return answer.id;
}

/** Downloads a finished job's video to the last byte; resolves with its size. */
export async function downloadVideo(url: string, id: string): Promise<number> {
  const response = await fetch(`${url}/api/animation/jobs/${id}/video`);
  const bytes = (await response.arrayBuffer()).byteLength;
  if (response.status !== 200 || bytes === 0) {
    throw new Error(`GET video of ${id} answered ${response.status} with ${bytes} bytes`);
  }
  return bytes;
}
