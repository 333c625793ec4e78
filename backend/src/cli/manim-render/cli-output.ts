import { ProgressReporter, type StatusStream } from './progress-reporter';
import { terminalStyle, wantsColour, type TerminalStyle } from './terminal-style';

/** Where the command writes: results on stdout, progress and messages on stderr. */
export interface CliStreams {
  stdout: { write(text: string): unknown };
  stderr: StatusStream;
  env: NodeJS.ProcessEnv;
}

export interface CliOutput {
  stdout: { write(text: string): unknown };
  reporter: ProgressReporter;
  style: TerminalStyle;
}

export function cliOutput(streams: CliStreams): CliOutput {
  return {
    stdout: streams.stdout,
    reporter: new ProgressReporter(streams.stderr),
    style: terminalStyle(wantsColour(streams.stderr, streams.env)),
  };
}
