#!/usr/bin/env node
import { runManimRender } from './manim-render/run-manim-render';

/**
 * `manim-render`: renders Manim scenes on a Manim render service from the command line
 * (docs/cli.md). The first Ctrl-C cancels the running render, a second one quits at once.
 */
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort();
});

runManimRender(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, env: process.env },
  interrupt.signal,
).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `manim-render: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 3;
  },
);
