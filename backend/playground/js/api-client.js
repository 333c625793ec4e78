// The playground's calls to the render API (same origin). Every failure comes back as the API's
// error body `{ code, message, hint, details? }`, including network failures, so the page has one
// way to show a problem.

const FINAL_STATUSES = ['completed', 'failed', 'cancelled'];

export function isFinalStatus(status) {
  return FINAL_STATUSES.includes(status);
}

function jobPath(id) {
  return `/api/animation/jobs/${encodeURIComponent(id)}`;
}

const API_KEY_STORAGE = 'manim-playground.api-key';

function apiKey() {
  return localStorage.getItem(API_KEY_STORAGE) ?? '';
}

async function request(path, init = {}, askedForKey = false) {
  let response;
  try {
    const key = apiKey();
    const headers = { ...init.headers, ...(key === '' ? {} : { 'X-API-Key': key }) };
    response = await fetch(path, { ...init, headers });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    return {
      ok: false,
      status: 0,
      error: {
        code: 'network_error',
        message: `Cannot reach the render service (${error.message})`,
        hint: 'Check that the service is running (npm start) and reload the page.',
      },
    };
  }
  let body;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (response.ok) return { ok: true, status: response.status, body };
  if (response.status === 401 && !askedForKey) {
    const entered = window.prompt('This render service needs an API key:', apiKey());
    if (entered !== null && entered.trim() !== '') {
      localStorage.setItem(API_KEY_STORAGE, entered.trim());
      return request(path, init, true);
    }
  }
  const error = body?.error ?? {
    code: 'http_error',
    message: `${init.method ?? 'GET'} ${path} answered ${response.status} ${response.statusText}`,
    hint: 'Check the server log for this request.',
  };
  return { ok: false, status: response.status, error };
}

function postJson(path, body, signal) {
  return request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
}

/** The Scene classes the code defines, as the server will see them: `[{ name, line }]`. */
export async function detectScenes(code, signal) {
  const answer = await postJson('/api/animation/scenes', { code }, signal);
  return answer.ok ? answer.body.scenes : undefined;
}

/** What the server allows (qualities, formats, defaults), or undefined when it does not say. */
export async function fetchLimits() {
  const answer = await request('/api/limits');
  return answer.ok ? answer.body : undefined;
}

export async function checkHealth() {
  return (await request('/health')).ok;
}

export function submitRender(fields) {
  return postJson('/api/animation/render', fields);
}

export function getJob(id) {
  return request(jobPath(id));
}

export function cancelJob(id) {
  return request(jobPath(id), { method: 'DELETE' });
}

/**
 * A URL of a job that the browser loads by itself (a video or poster source, a download link, an
 * event stream) cannot carry a header, and the API key never goes into a URL: the job view's
 * `browserLinks` carry a short-lived token for each instead. Without them (an older server), the
 * plain route.
 */
export function mediaUrl(job, route, { download = false } = {}) {
  const url = job.browserLinks?.[route] ?? `${jobPath(job.id)}/${route}`;
  if (!download) return url;
  return `${url}${url.includes('?') ? '&' : '?'}download=1`;
}

/**
 * Follows a job through its event stream. Calls `onView(job)` for the current state and when a
 * worker takes it, `onProgress(progress)` for each update, and once at the end `onEnd(job)` with
 * the final view, or `onError(error)` when the job cannot be followed (unknown or expired).
 * The stream is closed at the end, so the browser does not reconnect to a finished job.
 */
export function followJob(id, { onView, onProgress, onEnd, onError }) {
  let source;
  let done = false;
  const finish = () => {
    done = true;
    source?.close();
  };
  const data = (event) => JSON.parse(event.data);

  const listen = (source) => {
    source.addEventListener('state', (event) => onView(data(event)));
    source.addEventListener('active', (event) => onView(data(event)));
    source.addEventListener('progress', (event) => onProgress(data(event)));
    for (const status of FINAL_STATUSES) {
      source.addEventListener(status, (event) => {
        finish();
        onEnd(data(event));
      });
    }
    source.addEventListener('gone', (event) => {
      finish();
      onError(data(event));
    });
    source.addEventListener('error', async () => {
      // While CONNECTING the browser retries by itself and the server starts with `state` again;
      // CLOSED means the server refused the stream (404): ask the job route what happened.
      if (done || source.readyState !== EventSource.CLOSED) return;
      finish();
      const answer = await getJob(id);
      if (!answer.ok) onError(answer.error);
      else if (isFinalStatus(answer.body.status)) onEnd(answer.body);
      else
        onError({
          code: 'stream_failed',
          message: 'Lost the live connection to the job',
          hint: 'Select the job in the list to follow it again.',
        });
    });
  };
  // The stream's URL carries a token from the job view, so the job is read first.
  getJob(id).then((answer) => {
    if (done) return;
    if (!answer.ok) {
      finish();
      onError(answer.error);
      return;
    }
    source = new EventSource(mediaUrl(answer.body, 'events'));
    listen(source);
  });
  return { close: finish };
}
