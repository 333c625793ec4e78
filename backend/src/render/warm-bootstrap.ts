import type { RenderOptions } from '../job/render-job';
import { buildManimArgs } from './manim-command';
import { posterFunctions, type PosterRequest } from './poster';

/** The line a warm render container prints once Manim is imported and it waits for its job. */
export const WARM_READY_LINE = '__manim_render_warm_ready__';

/**
 * What a warm render container runs, in the render image as it is (nothing is added to it):
 * Python imports Manim in the job folder (so Manim reads its manim.cfg exactly as a cold run
 * does), prints the ready line, reads ONE line from stdin (JSON: the argv a cold container would
 * have been given, `manim render …`, and the poster to make), points stdin at /dev/null as a cold
 * container has it, and then runs the `manim` program's own code in this process, with the same
 * sys.argv and sys.path a cold `manim` process has. A Python error outside the scene is printed
 * without the bootstrap's own frame, so the output, the files and the exit code are those of a
 * cold run. Once Manim has exited 0, the poster is made as a cold run's command makes it.
 */
const BOOTSTRAP = `
def _manim_render_warm_start():
    import json, os, shutil, sys
    program = shutil.which("manim")
    if program is None:
        sys.stderr.write("manim is not on PATH in the render image\\n")
        sys.exit(127)
    with open(program, encoding="utf-8") as source:
        code = compile(source.read(), program, "exec")
    sys.path[0] = os.path.dirname(program)
    import manim.__main__  # noqa: F401  (the import this container exists to do ahead)
    os.write(1, b"${WARM_READY_LINE}\\n")
    line = sys.stdin.buffer.readline()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = open(os.devnull, encoding="utf-8")
    if not line.strip():
        sys.exit(3)
    job = json.loads(line)
    sys.argv = [program] + [str(arg) for arg in job["argv"][1:]]
    return code, program, job.get("poster")


import __main__
_manim_render_code, __main__.__file__, _manim_render_poster_request = _manim_render_warm_start()
del _manim_render_warm_start
try:
    exec(_manim_render_code, __main__.__dict__)
except SystemExit as _manim_render_exit:
    if _manim_render_exit.code in (0, None) and _manim_render_poster_request:
        _manim_render_poster(_manim_render_poster_request)
    raise
except BaseException as _manim_render_error:
    import sys
    _manim_render_error = _manim_render_error.with_traceback(
        _manim_render_error.__traceback__.tb_next
    )
    sys.excepthook(type(_manim_render_error), _manim_render_error, _manim_render_error.__traceback__)
    sys.exit(1)
if _manim_render_poster_request:
    _manim_render_poster(_manim_render_poster_request)
`;

/** The command of a warm render container: `python3` on the image's PATH must be the one `manim` runs with. */
export function warmBootstrapCommand(): string[] {
  return ['python3', '-c', `${posterFunctions()}\n${BOOTSTRAP}`];
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
