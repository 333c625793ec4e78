// The jobs this browser submitted, newest first, kept in localStorage. Storage may be full or
// switched off; the list then lives for the page only.

const DEFAULT_KEY = 'manim-playground:recent-jobs';
const DEFAULT_LIMIT = 20;
/** Code longer than this is not kept with its job, to stay well inside the storage quota. */
const MAX_KEPT_CODE_LENGTH = 20_000;

export class RecentJobs {
  constructor(storage, { key = DEFAULT_KEY, limit = DEFAULT_LIMIT } = {}) {
    this.storage = storage;
    this.key = key;
    this.limit = limit;
    this.jobs = this.load();
    this.listeners = new Set();
  }

  list() {
    return [...this.jobs];
  }

  get(id) {
    return this.jobs.find((job) => job.id === id);
  }

  /** Adds a job at the top: `{ id, scene, quality, format, status, createdAt, code? }`. */
  add(job) {
    const kept = { ...job };
    if (typeof kept.code === 'string' && kept.code.length > MAX_KEPT_CODE_LENGTH) delete kept.code;
    this.jobs = [kept, ...this.jobs.filter((other) => other.id !== job.id)].slice(0, this.limit);
    this.changed();
  }

  update(id, patch) {
    const job = this.get(id);
    if (job === undefined) return;
    const changed = Object.entries(patch).some(([key, value]) => job[key] !== value);
    if (!changed) return;
    Object.assign(job, patch);
    this.changed();
  }

  clear() {
    this.jobs = [];
    this.changed();
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  load() {
    try {
      const parsed = JSON.parse(this.storage?.getItem(this.key) ?? '[]');
      return Array.isArray(parsed) ? parsed.filter((job) => typeof job?.id === 'string') : [];
    } catch {
      return [];
    }
  }

  changed() {
    try {
      this.storage?.setItem(this.key, JSON.stringify(this.jobs));
    } catch {
      // Full or disabled storage: keep the list in memory.
    }
    for (const listener of this.listeners) listener(this.list());
  }
}
