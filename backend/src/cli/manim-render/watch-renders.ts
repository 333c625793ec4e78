import { watch } from 'node:fs';
import path from 'node:path';
import type { ManimRenderClient } from '../../client/manim-render-client';
import { UsageError, type RenderCommand } from './cli-arguments';
import type { CliOutput } from './cli-output';
import { EXIT_CODES, type ExitCode } from './exit-codes';
import { readRenderInput } from './render-input';
import { RenderSession } from './render-session';

/** Saves come in bursts (an editor truncates, writes, renames); one render follows the last. */
const SAVE_DEBOUNCE_MS = 250;

/**
 * `render --watch`: renders the scene, then again on every save that changes it, cancelling the
 * render the new one replaces. Runs until `interrupt`, then cancels the running render.
 */
export async function watchRenders(
  client: ManimRenderClient,
  command: RenderCommand,
  output: CliOutput,
  interrupt: AbortSignal,
): Promise<ExitCode> {
  const label = command.sceneFile;
  let current: RenderSession | undefined;
  let running = false;
  let lastCode: string | undefined;
  // Renders start one after another, in the order the saves came.
  let chain: Promise<void> = Promise.resolve();

  const startRender = async (changed: boolean): Promise<void> => {
    if (interrupt.aborted) return;
    let input;
    try {
      input = await readRenderInput(command.sceneFile, command.assets);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      output.reporter.message(error.message);
      return;
    }
    if (changed && input.code === lastCode) return;
    lastCode = input.code;
    const replaced = running ? current : undefined;
    current = undefined;
    if (replaced !== undefined) {
      output.reporter.message(
        `${label} changed: cancelling job ${replaced.id ?? '(not submitted yet)'}, rendering again`,
      );
      await replaced.cancel();
    } else if (changed) {
      output.reporter.message(`${label} changed: rendering again`);
    }
    const session = new RenderSession(client, command, input, output);
    current = session;
    running = true;
    void session.run().then(
      () => {
        if (current !== session) return;
        running = false;
        output.reporter.message(`watching ${label} for changes (Ctrl-C stops)`);
      },
      (error: unknown) => {
        output.reporter.message(
          `render error: ${error instanceof Error ? error.message : String(error)}`,
        );
      },
    );
  };
  const enqueue = (changed: boolean): void => {
    chain = chain.then(() => startRender(changed));
  };

  // The folder is watched, not the file: editors often save by writing a new file over it.
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(path.dirname(path.resolve(command.sceneFile)), (_event, name) => {
    if (name !== path.basename(command.sceneFile)) return;
    clearTimeout(timer);
    timer = setTimeout(() => enqueue(true), SAVE_DEBOUNCE_MS);
  });
  enqueue(false);

  await new Promise<void>((resolve) => {
    if (interrupt.aborted) resolve();
    interrupt.addEventListener('abort', () => resolve(), { once: true });
  });
  watcher.close();
  clearTimeout(timer);
  await chain;
  if (running && current !== undefined) await current.cancel();
  return EXIT_CODES.interrupted;
}
