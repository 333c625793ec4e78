import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorBody, JobView } from '../../client/api-types';
import { ManimRenderError } from '../../client/client-error';
import type { JobEvent } from '../../client/job-events';
import type { ManimRenderClient } from '../../client/manim-render-client';
import type { RenderCommand } from './cli-arguments';
import type { CliOutput } from './cli-output';
import { EXIT_CODES, exitCodeOfStatus, type ExitCode } from './exit-codes';
import { failureLocation, failureReport, type FailureSource } from './failure-report';
import { progressLine } from './progress-line';
import type { RenderInput } from './render-input';

/** How a render ended, and the exit code it stands for. */
export type RenderOutcome =
  | { kind: 'completed'; file: string; exitCode: ExitCode }
  | { kind: 'failed'; exitCode: ExitCode }
  | { kind: 'cancelled'; exitCode: ExitCode };

/**
 * One render: submit the code, show its progress, save its file or report its failure. `cancel`
 * stops it at any point; a job already submitted is then cancelled on the service too.
 */
export class RenderSession {
  private readonly controller = new AbortController();
  private jobId: string | undefined;
  private finished: Promise<RenderOutcome> | undefined;

  constructor(
    private readonly client: ManimRenderClient,
    private readonly command: RenderCommand,
    private readonly input: RenderInput,
    private readonly output: CliOutput,
  ) {}

  get id(): string | undefined {
    return this.jobId;
  }

  /** Runs the render (once); resolves when it has ended, however it ended. */
  run(): Promise<RenderOutcome> {
    this.finished ??= this.render();
    return this.finished;
  }

  /** Stops following the render and cancels its job; resolves once the job is cancelled. */
  async cancel(): Promise<RenderOutcome> {
    this.controller.abort();
    return this.run();
  }

  private async render(): Promise<RenderOutcome> {
    const { reporter } = this.output;
    try {
      const submitted = await this.submit();
      this.jobId = submitted.id;
      reporter.message(
        `submitted job ${submitted.id}${'reused' in submitted && submitted.reused ? ' (the same as an earlier render)' : ''}`,
      );
      if (this.controller.signal.aborted) return await this.cancelled();
      const job = await this.client.follow(submitted.id, {
        signal: this.controller.signal,
        onEvent: (event) => this.show(event),
      });
      reporter.clear();
      return await this.ended(job);
    } catch (error) {
      reporter.clear();
      if (this.controller.signal.aborted) return this.cancelled();
      if (!(error instanceof ManimRenderError)) throw error;
      this.report(error.toBody());
      return { kind: 'failed', exitCode: exitCodeOfStatus(error.status) };
    }
  }

  private submit() {
    const { command, input } = this;
    const fields = {
      ...(command.scene === undefined ? {} : { scene: command.scene }),
      ...(command.quality === undefined ? {} : { quality: command.quality }),
      ...(command.format === undefined ? {} : { format: command.format }),
      ...(command.fps === undefined ? {} : { fps: command.fps }),
      ...(command.resolution === undefined ? {} : { resolution: command.resolution }),
      ...(command.transparent ? { transparent: true } : {}),
      ...(command.timeout === undefined ? {} : { timeout: command.timeout }),
      ...(command.manimVersion === undefined ? {} : { manimVersion: command.manimVersion }),
      ...(command.cache ? {} : { cache: false }),
      ...(command.preview ? { preview: true } : {}),
    };
    if (input.assets.length === 0) return this.client.submit({ code: input.code, ...fields });
    const scene = { path: path.basename(command.sceneFile), content: input.code };
    return this.client.submitFiles(scene, input.assets, fields);
  }

  private show(event: JobEvent): void {
    const { reporter } = this.output;
    if (event.type === 'progress') {
      const { stage, animation } = event.progress;
      reporter.update(progressLine(event.progress), `${stage}:${animation?.index ?? ''}`);
    } else if (event.type === 'state' || event.type === 'active') {
      const { progress, position } = event.job;
      reporter.update(progressLine(progress, position), `${progress.stage}:${position ?? ''}`);
    }
  }

  private async ended(job: JobView): Promise<RenderOutcome> {
    if (job.status === 'completed' && job.result !== undefined) {
      await mkdir(this.command.outDir, { recursive: true });
      const target = path.join(this.command.outDir, job.result.fileName);
      const { bytes } = await this.client.downloadVideo(job.id, target);
      this.output.reporter.message(
        this.output.style.green(`saved ${target} (${formatBytes(bytes)})`),
      );
      this.output.stdout.write(`${target}\n`);
      if (this.command.poster) await this.savePoster(job);
      return { kind: 'completed', file: target, exitCode: EXIT_CODES.ok };
    }
    if (job.status === 'cancelled') {
      this.output.reporter.message(`job ${job.id} was cancelled`);
      return { kind: 'cancelled', exitCode: EXIT_CODES.renderFailed };
    }
    this.report(
      job.error ?? {
        code: 'render_failed',
        message: `job ${job.id} ended as ${job.status}`,
        hint: '',
      },
    );
    return { kind: 'failed', exitCode: EXIT_CODES.renderFailed };
  }

  /** The poster beside the video (a PNG result is its own; a job without one is said so). */
  private async savePoster(job: JobView): Promise<void> {
    const result = job.result;
    if (result === undefined || result.contentType === 'image/png') return;
    if (result.posterUrl === undefined) {
      this.output.reporter.message(`job ${job.id} has no poster; its log says why`);
      return;
    }
    const target = path.join(
      this.command.outDir,
      `${result.fileName.replace(/\.[^.]+$/, '')}.poster.png`,
    );
    await this.client.downloadPoster(job.id, target);
    this.output.stdout.write(`${target}\n`);
  }

  private async cancelled(): Promise<RenderOutcome> {
    const id = this.jobId;
    if (id !== undefined) {
      try {
        await this.client.cancel(id);
        this.output.reporter.message(`cancelled job ${id}`);
      } catch (error) {
        // A job that has just ended cannot be cancelled (409); anything else is worth saying.
        if (!(error instanceof ManimRenderError) || error.status !== 409) {
          const reason = error instanceof Error ? error.message : String(error);
          this.output.reporter.message(`could not cancel job ${id}: ${reason}`);
        }
      }
    }
    return { kind: 'cancelled', exitCode: EXIT_CODES.interrupted };
  }

  private report(error: ErrorBody): void {
    this.output.reporter.message(failureReport(error, this.source(error), this.output.style));
  }

  /** The failing line in the files as they were sent, if the failure names one. */
  private source(error: ErrorBody): FailureSource | undefined {
    const location = failureLocation(error.details);
    if (location === undefined) return undefined;
    if (location.file === undefined) {
      return { label: this.command.sceneFile, text: this.input.code, line: location.line };
    }
    const asset = this.input.assets.find((file) => file.path === location.file);
    if (asset === undefined) return undefined;
    const text =
      typeof asset.content === 'string'
        ? asset.content
        : Buffer.from(asset.content).toString('utf8');
    return { label: location.file, text, line: location.line };
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
