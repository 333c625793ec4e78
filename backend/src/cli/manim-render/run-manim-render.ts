import { ManimRenderError } from '../../client/client-error';
import { ManimRenderClient } from '../../client/manim-render-client';
import {
  parseCliArguments,
  UsageError,
  type Connection,
  type RenderCommand,
  type ScenesCommand,
} from './cli-arguments';
import { cliOutput, type CliOutput, type CliStreams } from './cli-output';
import { EXIT_CODES, exitCodeOfStatus, type ExitCode } from './exit-codes';
import { failureReport } from './failure-report';
import { readRenderInput } from './render-input';
import { RenderSession } from './render-session';
import { usageText } from './usage-text';
import { watchRenders } from './watch-renders';

/**
 * `manim-render` with its arguments: resolves with the exit code. `interrupt` is Ctrl-C: it
 * cancels the running render.
 */
export async function runManimRender(
  argv: readonly string[],
  streams: CliStreams,
  interrupt: AbortSignal,
): Promise<ExitCode> {
  const output = cliOutput(streams);
  try {
    const command = parseCliArguments(argv, streams.env);
    if (command.command === 'help') {
      streams.stdout.write(usageText());
      return EXIT_CODES.ok;
    }
    const client = clientFor(command.connection);
    if (command.command === 'scenes') return await listScenes(client, command, output);
    if (command.watch) return await watchRenders(client, command, output, interrupt);
    return await renderOnce(client, command, output, interrupt);
  } catch (error) {
    if (error instanceof UsageError) {
      output.reporter.message(`${output.style.red('manim-render:')} ${error.message}`);
      output.reporter.message('Run manim-render --help for the commands and options.');
      return EXIT_CODES.usage;
    }
    if (error instanceof ManimRenderError) {
      output.reporter.message(failureReport(error.toBody(), undefined, output.style));
      return exitCodeOfStatus(error.status);
    }
    throw error;
  }
}

function clientFor(connection: Connection): ManimRenderClient {
  return new ManimRenderClient({
    baseUrl: connection.url,
    ...(connection.apiKey === undefined ? {} : { apiKey: connection.apiKey }),
  });
}

async function renderOnce(
  client: ManimRenderClient,
  command: RenderCommand,
  output: CliOutput,
  interrupt: AbortSignal,
): Promise<ExitCode> {
  const input = await readRenderInput(command.sceneFile, command.assets);
  const session = new RenderSession(client, command, input, output);
  const onInterrupt = () => void session.cancel();
  interrupt.addEventListener('abort', onInterrupt, { once: true });
  try {
    return (await session.run()).exitCode;
  } finally {
    interrupt.removeEventListener('abort', onInterrupt);
  }
}

async function listScenes(
  client: ManimRenderClient,
  command: ScenesCommand,
  output: CliOutput,
): Promise<ExitCode> {
  const { code } = await readRenderInput(command.sceneFile, []);
  const scenes = await client.scenes(code);
  if (scenes.length === 0) output.reporter.message(`${command.sceneFile} defines no Scene classes`);
  for (const scene of scenes)
    output.stdout.write(`${scene.name}\t${command.sceneFile}:${scene.line}\n`);
  return EXIT_CODES.ok;
}
