import { mediaUrl } from './api-client.js';
import { formatBytes, formatClock, formatSeconds } from './format.js';

/** The stages a render goes through, in order, as the API reports them in `progress.stage`. */
const STAGES = [
  { id: 'queued', label: 'Queued', headline: 'Waiting for a worker' },
  { id: 'preparing', label: 'Preparing', headline: 'Starting the sandbox' },
  { id: 'rendering', label: 'Rendering', headline: 'Rendering animations' },
  { id: 'encoding', label: 'Encoding', headline: 'Combining into a movie' },
  { id: 'finalizing', label: 'Finalizing', headline: 'Saving the file' },
  { id: 'done', label: 'Done', headline: 'Done' },
];

const TITLES = {
  failed: 'Render failed',
  cancelled: 'Render cancelled',
  request: 'Request not accepted',
  lost: 'Job unavailable',
};

/**
 * The output side of the page: one of idle, progress, result or error at a time. It only shows
 * what it is given; following the job is the page's business.
 */
export class OutputPanel {
  constructor(root, { onCancel, onRevealLine }) {
    this.root = root;
    this.onRevealLine = onRevealLine;
    this.sections = {
      idle: root.querySelector('#output-idle'),
      progress: root.querySelector('#output-progress'),
      result: root.querySelector('#output-result'),
      error: root.querySelector('#output-error'),
    };
    this.statusPill = root.querySelector('#output-status');
    this.stepper = root.querySelector('#stage-steps');
    this.stepper.innerHTML = STAGES.slice(0, -1)
      .map(
        (stage) =>
          `<li data-stage="${stage.id}"><span class="step-dot" aria-hidden="true"></span>${stage.label}</li>`,
      )
      .join('');
    this.headline = root.querySelector('#progress-headline');
    this.percent = root.querySelector('#progress-percent');
    this.bar = root.querySelector('#progress-bar');
    this.barFill = root.querySelector('#progress-fill');
    this.facts = {
      animation: root.querySelector('#fact-animation'),
      frames: root.querySelector('#fact-frames'),
      eta: root.querySelector('#fact-eta'),
      elapsed: root.querySelector('#fact-elapsed'),
    };
    this.cancelButton = root.querySelector('#cancel-button');
    this.cancelButton.addEventListener('click', () => {
      this.cancelButton.disabled = true;
      this.cancelButton.textContent = 'Cancelling…';
      onCancel();
    });
    this.media = root.querySelector('#result-media');
    this.resultName = root.querySelector('#result-name');
    this.resultInfo = root.querySelector('#result-info');
    this.downloadLink = root.querySelector('#download-link');
    this.error = {
      code: root.querySelector('#error-code'),
      title: root.querySelector('#error-title'),
      message: root.querySelector('#error-message'),
      hint: root.querySelector('#error-hint'),
      problems: root.querySelector('#error-problems'),
      reveal: root.querySelector('#error-reveal'),
      log: root.querySelector('#error-log'),
      logText: root.querySelector('#error-log-text'),
    };
    this.error.reveal.addEventListener('click', () => {
      const line = Number(this.error.reveal.dataset.line);
      if (line > 0) this.onRevealLine(line);
    });
    this.timer = undefined;
  }

  showIdle() {
    this.stopClock();
    this.show('idle');
    this.setStatus(undefined);
  }

  /** A job that has not ended yet: resets the progress view to its state. */
  showJob(job) {
    if (this.current !== 'progress' || this.jobId !== job.id) {
      this.jobId = job.id;
      this.lastPercent = -1;
      this.cancelButton.disabled = false;
      this.cancelButton.textContent = 'Cancel';
      this.show('progress');
    }
    this.startClock(job.startedAt ?? job.createdAt);
    this.setStatus(job.status);
    this.showProgress(job.progress ?? { stage: 'queued', percent: 0 });
  }

  showProgress(progress) {
    if (this.current !== 'progress' || progress.percent < this.lastPercent) return;
    this.lastPercent = progress.percent;
    const stageIndex = Math.max(
      STAGES.findIndex((stage) => stage.id === progress.stage),
      0,
    );
    this.headline.textContent = STAGES[stageIndex].headline;
    this.percent.textContent = `${progress.percent}%`;
    this.barFill.style.width = `${progress.percent}%`;
    this.bar.setAttribute('aria-valuenow', String(progress.percent));
    this.bar.setAttribute('aria-valuetext', `${STAGES[stageIndex].label}, ${progress.percent}%`);
    for (const [index, item] of [...this.stepper.children].entries()) {
      item.classList.toggle('is-done', index < stageIndex);
      item.classList.toggle('is-current', index === stageIndex);
    }
    if (stageIndex > 0 && this.statusPill.dataset.status === 'queued') this.setStatus('active');

    const animation = progress.animation;
    this.facts.animation.textContent =
      animation === undefined
        ? '–'
        : `#${animation.index + 1}${animation.name ? ` · ${animation.name}` : ''}`;
    this.facts.animation.title = this.facts.animation.textContent;
    this.facts.frames.textContent =
      progress.frames === undefined ? '–' : `${progress.frames.done} / ${progress.frames.total}`;
    this.facts.eta.textContent =
      progress.etaSeconds === undefined ? '–' : `~${formatSeconds(progress.etaSeconds)}`;
  }

  showResult(job) {
    this.stopClock();
    this.setStatus('completed');
    const { result } = job;
    const download = mediaUrl(job, 'video', { download: true });
    this.media.replaceChildren();
    let element;
    if (result.contentType.startsWith('video/')) {
      element = document.createElement('video');
      element.controls = true;
      element.autoplay = true;
      element.muted = true;
      element.loop = true;
      element.playsInline = true;
      element.preload = 'auto';
      // The last frame shows while the video loads, and stays when it cannot play.
      if (result.posterUrl) element.poster = mediaUrl(job, 'poster');
    } else {
      element = document.createElement('img');
      element.alt = `Rendered ${job.options?.scene ?? 'scene'}`;
    }
    element.src = mediaUrl(job, 'video');
    element.className = 'result-element';
    this.media.append(element);
    this.media.classList.toggle('is-transparent', job.options?.transparent === true);

    this.resultName.textContent = result.fileName;
    const took =
      job.startedAt && job.finishedAt
        ? ` · rendered in ${formatSeconds((Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000)}`
        : '';
    const quality = job.options?.quality ? ` · ${job.options.quality} quality` : '';
    this.resultInfo.textContent = `${formatBytes(result.sizeBytes)}${quality}${took}`;
    this.downloadLink.href = download;
    this.downloadLink.setAttribute('download', result.fileName);
    this.show('result');
  }

  /**
   * An error body `{ code, message, hint, details? }`. `kind` is the job's status (`failed`,
   * `cancelled`), `request` for a refused submission, or `lost` for a job that cannot be read.
   */
  showError(error, kind) {
    this.stopClock();
    this.setStatus(kind === 'failed' || kind === 'cancelled' ? kind : 'error');
    const details = error.details ?? {};
    this.error.title.textContent = TITLES[kind] ?? TITLES.failed;
    this.error.code.textContent = error.code;
    this.error.message.textContent = error.message;
    this.error.hint.textContent = error.hint ?? '';
    this.error.hint.hidden = !error.hint;
    this.sections.error.classList.toggle('is-cancelled', kind === 'cancelled');

    const problems = Array.isArray(details.problems) ? details.problems : [];
    this.error.problems.replaceChildren(
      ...problems.map((problem) => {
        const item = document.createElement('li');
        const field = document.createElement('code');
        field.textContent = problem.field;
        item.append(field, ` ${problem.message}`);
        return item;
      }),
    );
    this.error.problems.hidden = problems.length === 0;

    const line = Number.isInteger(details.line) ? details.line : undefined;
    this.error.reveal.hidden = line === undefined;
    if (line !== undefined) {
      this.error.reveal.dataset.line = String(line);
      this.error.reveal.textContent = `Show line ${line} in the editor`;
    }
    const logTail = Array.isArray(details.logTail) ? details.logTail : [];
    this.error.log.hidden = logTail.length === 0;
    this.error.logText.textContent = logTail.join('\n');
    this.show('error');
  }

  show(name) {
    this.current = name;
    for (const [key, section] of Object.entries(this.sections)) section.hidden = key !== name;
    if (name !== 'result') {
      // Stop a playing video and free its connection.
      for (const video of this.media.querySelectorAll('video')) {
        video.pause();
        video.removeAttribute('src');
        video.load();
      }
      this.media.replaceChildren();
    }
  }

  setStatus(status) {
    this.statusPill.hidden = status === undefined;
    if (status === undefined) return;
    this.statusPill.dataset.status = status;
    this.statusPill.textContent = status;
  }

  startClock(since) {
    this.stopClock();
    const started = Date.parse(since);
    const tick = () => {
      const seconds = Number.isFinite(started) ? (Date.now() - started) / 1000 : 0;
      this.facts.elapsed.textContent = formatClock(seconds);
    };
    tick();
    this.timer = setInterval(tick, 1000);
  }

  stopClock() {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
