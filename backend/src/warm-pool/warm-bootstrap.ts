import type { RenderOptions } from '../job/render-job';
import { buildManimArgs } from '../manim/manim-command';
import type { PosterRequest } from '../manim/poster';
import { manimRunnerFunctions } from '../manim/render-scripts';

/** The line a warm render container prints once Manim is imported and it waits for its job. */
export const WARM_READY_LINE = '__manim_render_warm_ready__';

/**
 * What a warm render container runs, in the render image as it is (nothing is added to it):
 * Python imports Manim in the job folder (so Manim reads its manim.cfg exactly as a cold run
 * does), prints the ready line, reads ONE line from stdin (JSON: the argv a cold container would
 * have been given, `manim render …`, and the poster to make), points stdin at /dev/null as a cold
 * container has it, and then runs the `manim` program's own code in this process, with the same
 * sys.argv and sys.path a cold `manim` process has (run_manim.py, as a cold render that makes a
 * poster runs it). A Python error outside the scene is printed without the bootstrap's own
 * frame, so the output, the files and the exit code are those of a cold run. Once Manim has
 * exited 0, the poster is made.
 */
const BOOTSTRAP = `
def _manim_render_warm_start():
    import json, os, sys

    import manim.__main__  # noqa: F401  (the import this container exists to do ahead)

    os.write(1, b"${WARM_READY_LINE}\\n")
    line = sys.stdin.buffer.readline()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = open(os.devnull, encoding="utf-8")
    if not line.strip():
        sys.exit(3)
    return json.loads(line)


_manim_render_loaded = _manim_render_load()
_manim_render_job = _manim_render_warm_start()
_manim_render_run(
    *_manim_render_loaded,
    _manim_render_job["argv"],
    [lambda: _manim_render_poster(_manim_render_job["poster"])] if _manim_render_job.get("poster") else [],
)
`;

/** The command of a warm render container: `python3` on the image's PATH must be the one `manim` runs with. */
export function warmBootstrapCommand(): string[] {
  return ['python3', '-c', `${manimRunnerFunctions()}\n${BOOTSTRAP}`];
}

/** The one line a warm container reads: the argv of the cold command for these options, and the poster. */
export function warmJobInput(
  options: RenderOptions,
  sceneFile?: string,
  poster?: PosterRequest,
): string {
  const job = { argv: buildManimArgs(options, sceneFile), ...(poster ? { poster } : {}) };
  return `${JSON.stringify(job)}\n`;
}
