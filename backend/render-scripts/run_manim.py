# Runs the `manim` program's own code in this Python process, the way a `manim` process runs it:
# the same sys.argv, sys.path[0] and __main__. Warm containers, renders that make a poster and the
# split module all run Manim through it, so that the process Manim runs in stays PID 1 of the
# container (as with a plain `manim render` command) and work can follow it in the same process.
# The worker hands it to the image's Python together with the program that calls it.


def _manim_render_load():
    """The `manim` program on PATH, compiled, with sys.path[0] set as a `manim` process has it."""
    import os
    import shutil
    import sys

    program = shutil.which("manim")
    if program is None:
        sys.stderr.write("manim is not on PATH in the render image\n")
        sys.exit(127)
    with open(program, encoding="utf-8") as source:
        code = compile(source.read(), program, "exec")
    sys.path[0] = os.path.dirname(program)
    return code, program


def _manim_render_run(code, program, argv, on_success=()):
    """Runs the program with `argv` (argv[0] becomes the program's path). Each of `on_success` is
    called once Manim has ended with exit code 0, before the exit goes on. An error outside the
    scene is printed without this function's frame, as a `manim` process would print it."""
    import sys

    import __main__

    sys.argv = [program] + [str(arg) for arg in argv[1:]]
    __main__.__file__ = program
    try:
        exec(code, __main__.__dict__)
    except SystemExit as end:
        if end.code in (None, 0):
            for then in on_success:
                then()
        raise
    except BaseException as error:  # noqa: BLE001 (printed as Python would, then exit 1)
        error = error.with_traceback(error.__traceback__.tb_next)
        sys.excepthook(type(error), error, error.__traceback__)
        sys.exit(1)
    for then in on_success:
        then()
