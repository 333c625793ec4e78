import * as api from './api-client.js';
import { CodeEditor } from './code-editor.js';
import { EXAMPLE_SCENE } from './example-scene.js';
import { timeAgo } from './format.js';
import { OutputPanel } from './output-panel.js';
import { RecentJobs } from './recent-jobs.js';

const STORAGE_PREFIX = 'manim-playground:';
const QUALITY_LABELS = {
  low: 'Low · 480p15',
  medium: 'Medium · 720p30',
  high: 'High · 1080p60',
  production: 'Production · 1440p60',
  '4k': '4K · 2160p60',
};
const FORMAT_LABELS = {
  mp4: 'MP4 video',
  webm: 'WebM video',
  mov: 'MOV video',
  gif: 'GIF animation',
  png: 'PNG image',
};
const FALLBACK_QUALITIES = ['low', 'medium', 'high', 'production', '4k'];
const FALLBACK_FORMATS = ['mp4', 'webm', 'mov', 'gif', 'png'];

const storage = safeStorage();
const $ = (selector) => document.querySelector(selector);

const elements = {
  form: $('#render-form'),
  scene: $('#scene-select'),
  version: $('#version-select'),
  quality: $('#quality-select'),
  format: $('#format-select'),
  renderButton: $('#render-button'),
  sceneHint: $('#scene-hint'),
  caret: $('#caret-position'),
  reset: $('#reset-example'),
  recentList: $('#recent-list'),
  recentEmpty: $('#recent-empty'),
  clearRecent: $('#clear-recent'),
  themeToggle: $('#theme-toggle'),
  serverStatus: $('#server-status'),
};

const state = {
  /** The job shown in the output panel, and the code it was submitted with. */
  jobId: undefined,
  jobCode: undefined,
  follow: undefined,
  scenes: [],
  submitting: false,
};

setUpTheme();

const editor = new CodeEditor($('#editor'), {
  value: loadSetting('draft') ?? EXAMPLE_SCENE,
  label: 'Scene code (Python)',
  onChange: (code) => {
    saveSetting('draft', code);
    scheduleSceneDetection();
  },
  onSubmit: () => elements.form.requestSubmit(),
});
editor.input.addEventListener('caretmove', (event) => {
  elements.caret.textContent = `Ln ${event.detail.line}, Col ${event.detail.column}`;
});

const output = new OutputPanel($('#output'), {
  onCancel: () => {
    if (state.jobId !== undefined) void api.cancelJob(state.jobId);
  },
  onRevealLine: (line) => editor.revealLine(line),
});

const recent = new RecentJobs(storage);
recent.onChange(renderRecentList);

elements.form.addEventListener('submit', (event) => {
  event.preventDefault();
  void submit();
});
elements.reset.addEventListener('click', () => {
  editor.setValue(EXAMPLE_SCENE);
});
elements.clearRecent.addEventListener('click', () => recent.clear());
elements.scene.addEventListener('change', () => saveSetting('scene', elements.scene.value));
elements.version.addEventListener('change', () =>
  saveSetting('manimVersion', elements.version.value),
);
elements.quality.addEventListener('change', () => saveSetting('quality', elements.quality.value));
elements.format.addEventListener('change', () => saveSetting('format', elements.format.value));
document.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && event.target !== editor.input) {
    event.preventDefault();
    elements.form.requestSubmit();
  }
});

output.showIdle();
renderRecentList(recent.list());
void start();

async function start() {
  const [limits, healthy] = await Promise.all([api.fetchLimits(), api.checkHealth()]);
  elements.serverStatus.dataset.state = healthy ? 'online' : 'offline';
  elements.serverStatus.textContent = healthy ? 'Service online' : 'Service offline';
  // Newest first, as the server lists them; the server's default when nothing was chosen here.
  const versions = limits?.manimVersions ?? [];
  fillSelect(
    elements.version,
    versions,
    {},
    loadSetting('manimVersion') ?? limits?.defaults?.manimVersion,
  );
  elements.version.closest('.field').hidden = versions.length === 0;
  fillSelect(
    elements.quality,
    limits?.qualities ?? FALLBACK_QUALITIES,
    QUALITY_LABELS,
    loadSetting('quality') ?? 'low',
  );
  fillSelect(
    elements.format,
    limits?.formats ?? FALLBACK_FORMATS,
    FORMAT_LABELS,
    loadSetting('format') ?? limits?.defaults?.format ?? 'mp4',
  );
  await detectScenesNow();
  await refreshRecentStatuses();
}

// ---------------------------------------------------------------------------------------------
// Scenes
// ---------------------------------------------------------------------------------------------

let detectionTimer;
let detectionAbort;

function scheduleSceneDetection() {
  clearTimeout(detectionTimer);
  detectionTimer = setTimeout(() => void detectScenesNow(), 250);
}

async function detectScenesNow() {
  detectionAbort?.abort();
  const abort = new AbortController();
  detectionAbort = abort;
  let scenes;
  try {
    scenes = await api.detectScenes(editor.value, abort.signal);
  } catch {
    return; // superseded by a newer request
  }
  if (abort.signal.aborted) return;
  if (scenes === undefined) scenes = detectScenesLocally(editor.value);
  state.scenes = scenes;

  const previous = elements.scene.value || loadSetting('scene');
  elements.scene.replaceChildren(
    ...scenes.map((scene) => new Option(scene.name, scene.name, false, scene.name === previous)),
  );
  if (scenes.length === 0) {
    elements.scene.append(new Option('No scene found', '', true, true));
    elements.sceneHint.textContent =
      'Define a class that derives from Scene (or MovingCameraScene, ThreeDScene, …).';
  } else if (scenes.length > 1) {
    elements.sceneHint.textContent = `${scenes.length} scenes found; pick the one to render.`;
  } else {
    elements.sceneHint.textContent = '';
  }
  elements.scene.disabled = scenes.length <= 1;
  updateRenderButton();
}

/** A fallback for servers without the scenes route: classes whose bases mention a Scene. */
function detectScenesLocally(code) {
  const found = [];
  const pattern = /^class\s+([A-Za-z_]\w*)\s*\(([^)]*Scene[^)]*)\)\s*:/gm;
  for (let match = pattern.exec(code); match !== null; match = pattern.exec(code)) {
    found.push({ name: match[1], line: code.slice(0, match.index).split('\n').length });
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

function updateRenderButton() {
  elements.renderButton.disabled = state.submitting || state.scenes.length === 0;
  elements.renderButton.classList.toggle('is-busy', state.submitting);
}

async function submit() {
  if (state.submitting) return;
  const code = editor.value;
  const fields = {
    code,
    manimVersion: elements.version.value || undefined,
    quality: elements.quality.value || undefined,
    format: elements.format.value || undefined,
    scene: elements.scene.value || undefined,
  };
  state.submitting = true;
  updateRenderButton();
  editor.markErrorLine(undefined);
  const answer = await api.submitRender(fields);
  state.submitting = false;
  updateRenderButton();

  if (!answer.ok) {
    stopFollowing();
    state.jobId = undefined;
    output.showError(answer.error, 'request');
    markErrorLine(answer.error, code);
    return;
  }
  const id = answer.body.id;
  recent.add({
    id,
    scene: fields.scene ?? state.scenes[0]?.name ?? 'Scene',
    manimVersion: fields.manimVersion,
    quality: fields.quality,
    format: fields.format,
    status: 'queued',
    createdAt: new Date().toISOString(),
    code,
  });
  openJob(id, code);
}

/** Shows a job in the output panel and follows it until it ends. */
function openJob(id, code = recent.get(id)?.code) {
  stopFollowing();
  state.jobId = id;
  state.jobCode = code;
  renderRecentList(recent.list());
  output.showJob({
    id,
    status: 'queued',
    progress: { stage: 'queued', percent: 0 },
    createdAt: new Date().toISOString(),
  });
  state.follow = api.followJob(id, {
    onView: (job) => {
      if (state.jobId !== id) return;
      recent.update(id, { status: job.status });
      output.showJob(job);
    },
    onProgress: (progress) => {
      if (state.jobId === id) output.showProgress(progress);
    },
    onEnd: (job) => {
      recent.update(id, { status: job.status });
      if (state.jobId !== id) return;
      if (job.status === 'completed') {
        output.showResult(job);
      } else {
        output.showError(job.error ?? unknownFailure(job), job.status);
        markErrorLine(job.error, state.jobCode);
      }
    },
    onError: (error) => {
      if (error.code === 'job_not_found') recent.update(id, { status: 'expired' });
      if (state.jobId === id) output.showError(error, 'lost');
    },
  });
}

function stopFollowing() {
  state.follow?.close();
  state.follow = undefined;
}

/** Points at the offending line, but only while the editor still holds the code that failed. */
function markErrorLine(error, code) {
  const line = error?.details?.line;
  if (!Number.isInteger(line) || code === undefined || code !== editor.value) return;
  editor.markErrorLine(line);
  editor.revealLine(line, { focus: false });
}

function unknownFailure(job) {
  return {
    code: job.status,
    message: `The job ended as ${job.status} without an error report`,
    hint: 'Submit it again; if it keeps happening, check the server logs.',
  };
}

// ---------------------------------------------------------------------------------------------
// Recent jobs
// ---------------------------------------------------------------------------------------------

function renderRecentList(jobs) {
  elements.recentEmpty.hidden = jobs.length > 0;
  elements.clearRecent.hidden = jobs.length === 0;
  elements.recentList.replaceChildren(...jobs.map(recentItem));
}

function recentItem(job) {
  const item = document.createElement('li');
  item.className = 'recent-item';
  if (job.id === state.jobId) item.classList.add('is-selected');

  const open = document.createElement('button');
  open.type = 'button';
  open.className = 'recent-open';
  open.title = `Show job ${job.id}`;
  const name = document.createElement('span');
  name.className = 'recent-scene';
  name.textContent = job.scene;
  const meta = document.createElement('span');
  meta.className = 'recent-meta';
  const version = job.manimVersion ? `Manim ${job.manimVersion}` : undefined;
  meta.textContent = [version, job.quality, job.format, timeAgo(job.createdAt)]
    .filter(Boolean)
    .join(' · ');
  const pill = document.createElement('span');
  pill.className = 'status-pill';
  pill.dataset.status = job.status;
  pill.textContent = job.status;
  open.append(name, meta, pill);
  open.addEventListener('click', () => openJob(job.id));
  item.append(open);

  if (typeof job.code === 'string') {
    const restore = document.createElement('button');
    restore.type = 'button';
    restore.className = 'icon-button recent-restore';
    restore.title = 'Load this code into the editor';
    restore.setAttribute('aria-label', `Load the code of ${job.scene} into the editor`);
    restore.innerHTML =
      '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 12a8 8 0 1 0 2.3-5.6M4 4v4h4" /></svg>';
    restore.addEventListener('click', () => editor.setValue(job.code));
    item.append(restore);
  }
  return item;
}

/** Jobs that had not ended when the page was last open may have ended since. */
async function refreshRecentStatuses() {
  const open = recent.list().filter((job) => job.status === 'queued' || job.status === 'active');
  await Promise.all(
    open.map(async (job) => {
      const answer = await api.getJob(job.id);
      if (answer.ok) recent.update(job.id, { status: answer.body.status });
      else if (answer.status === 404) recent.update(job.id, { status: 'expired' });
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Settings and theme
// ---------------------------------------------------------------------------------------------

function fillSelect(select, values, labels, preferred) {
  const chosen = values.includes(preferred) ? preferred : values[0];
  select.replaceChildren(
    ...values.map((value) => new Option(labels[value] ?? value, value, false, value === chosen)),
  );
}

function setUpTheme() {
  const root = document.documentElement;
  const saved = loadSetting('theme');
  if (saved === 'light' || saved === 'dark') root.dataset.theme = saved;
  elements.themeToggle.addEventListener('click', () => {
    const current =
      root.dataset.theme ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
    const next = current === 'dark' ? 'light' : 'dark';
    root.dataset.theme = next;
    saveSetting('theme', next);
  });
}

function loadSetting(name) {
  try {
    return storage?.getItem(STORAGE_PREFIX + name) ?? undefined;
  } catch {
    return undefined;
  }
}

function saveSetting(name, value) {
  try {
    storage?.setItem(STORAGE_PREFIX + name, value);
  } catch {
    // Storage full or disabled: the setting lasts for this page only.
  }
}

function safeStorage() {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}
