"""Renders one Manim scene in ranges of plays that join into the video one process would make.

Run as ``python3 -c <poster.py, run_manim.py and this file> CONTROL POSTER manim render ...``:
CONTROL is a JSON file that names the mode, POSTER is the poster to make once the video is
written (JSON, ``null`` for none), and the rest is the argv of an ordinary ``manim render``, run
in this process by the ``manim`` program's own code (run_manim.py) once the hooks below are in
place.

Modes:
- ``plan``: steps through every frame of every play (animations and updaters, exactly as a
  render does) without drawing or encoding, and writes a digest of the scene's state at each
  frame. A play's digest covers all of its frames.
- ``range``: plays ``first``..``last`` are drawn and encoded as usual (but those in ``reused``,
  whose files exist from an earlier job, are stepped); the plays before are stepped like
  ``plan`` does, and the scene stops before the play after ``last``. A drawn play
  whose digest differs from the plan's ends the run with exit code 86.
- ``join``: runs none of the scene's code; it hands Manim the partial movie files the ranges
  wrote and the sounds the plan recorded, so that Manim joins them and builds the audio track
  exactly as at the end of one render.
- ``whole``: an ordinary render with the same seeding, for a job that renders in one container.
  Plays in ``reused`` are stepped, not drawn: their files are in place from earlier jobs, and
  Manim joins them with the drawn ones as usual.

Manim's own ``-n`` skipping calls updaters once per play instead of once per frame, so state
that accumulates drifts; stepping every frame keeps it exact. Randomness is seeded with 0 when
the scene sets no seed, the same way in every process.
"""

import enum
import hashlib
import json
import os
import random
import sys
import time

MISMATCH_EXIT_CODE = 86


def _load_control():
    with open(sys.argv[1], encoding="utf-8") as source:
        control = json.load(source)
    poster = json.loads(sys.argv[2])
    manim_argv = sys.argv[3:]
    return control, poster, manim_argv


def _write_result(path, result):
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as target:
        json.dump(result, target)
    os.replace(temporary, path)


class _StateDigest:
    """A digest of everything a frame is drawn from: the mobjects on screen and the camera.

    Every attribute that holds numbers counts (points, colours, opacities, widths, z-order,
    pixels of images, the camera's frame). Strings do not: text is drawn from its points, and
    some strings hold object ids, which differ from one process to the next.
    """

    def __init__(self, numpy, mobject_class):
        self.np = numpy
        self.mobject_class = mobject_class

    def of_scene(self, scene, renderer):
        digest = hashlib.blake2b(digest_size=16)
        digest.update(repr((renderer.time, scene.last_t)).encode())
        # The canvas, its background and a 3D camera's rotation matrix are made while drawing
        # from what is digested here (the trackers of a 3D camera's angles).
        self._object(digest, renderer.camera, skip=("pixel_array", "background", "rotation_matrix"))
        seen = set()
        for top in list(scene.mobjects) + list(scene.foreground_mobjects):
            for mobject in top.get_family():
                if id(mobject) in seen:
                    continue
                seen.add(id(mobject))
                self._object(digest, mobject, skip=())
        return digest.digest()

    def _object(self, digest, obj, skip):
        ndarray = self.np.ndarray
        numpy_scalar = self.np.generic
        mobject_class = self.mobject_class
        scalars = [type(obj).__name__]
        for key, value in vars(obj).items():
            kind = type(value)
            if kind in _SCALARS:
                scalars.append(value)
            elif kind is ndarray:
                if value.dtype.hasobject or key in skip:
                    continue
                scalars.append(value.shape)
                digest.update(value.data if value.flags.c_contiguous else value.tobytes())
            elif isinstance(value, numpy_scalar):
                scalars.append(value.item())
            elif kind is list or kind is tuple:
                if all(type(item) in _SCALARS for item in value):
                    scalars.append(value)
            elif isinstance(value, enum.Enum):
                scalars.append(value.value)
            elif hasattr(value, "_internal_value"):
                # A ManimColor keeps its RGBA in this array.
                digest.update(value._internal_value.tobytes())
            elif isinstance(value, mobject_class) and not isinstance(obj, mobject_class):
                # The camera's own mobjects: a moving camera's frame, a 3D camera's angles.
                for member in value.get_family():
                    self._object(digest, member, skip=())
        digest.update(repr(scalars).encode())


# Strings are left out on purpose (see _StateDigest).
_SCALARS = frozenset((bool, int, float, type(None)))


class _Plays:
    """Follows the plays of the scene: which one runs, whether it is drawn, its frame digests."""

    def segment_path(self):
        """Where a single render writes play 0's partial movie file, relative to the media folder."""
        writer = getattr(self.renderer, "file_writer", None)
        if writer is None:
            return None
        try:
            plan = getattr(writer, "output_plan", None)
            if plan is not None:
                path = plan.segment_path("uncached_00000")
            else:
                from manim import config

                path = writer.partial_movie_directory / f"uncached_00000{config['movie_file_extension']}"
            return os.path.relpath(str(path), self.media_dir)
        except Exception:
            return None

    def __init__(self, control, state_digest):
        self.mode = control["mode"]
        self.first = control.get("first", 0)
        self.last = control.get("last")
        # Plays in first..last that are not drawn: their files exist already (reused plays).
        self.reused = set(control.get("reused", []))
        self.expected = control.get("expected")
        self.result_path = control["result"]
        self.media_dir = control.get("mediaDir", "/job/media")
        self.state_digest = state_digest
        self.plan = control.get("plan")
        self.current = None
        self.plays = []
        self.sounds = []
        self.renderer = None
        self.started_at = time.monotonic()

    def drawn(self, index):
        if self.mode == "whole":
            return index not in self.reused
        if self.mode == "range":
            in_range = self.first <= index and (self.last is None or index <= self.last)
            return in_range and index not in self.reused
        return False

    def begin(self, index):
        self.current = {
            "index": index,
            "drawn": self.drawn(index),
            "segment": False,
            "frames": 0,
            "held": 0,
            "digest": hashlib.blake2b(digest_size=16),
            "started": time.monotonic(),
        }

    def frame(self, scene, renderer, count):
        play = self.current
        if play is None:
            return
        play["frames"] += count
        if count > 1:
            play["held"] += count
        play["digest"].update(self.state_digest.of_scene(scene, renderer))
        play["digest"].update(count.to_bytes(4, "little"))

    def end(self):
        play = self.current
        self.current = None
        if play is None:
            return
        entry = {
            "drawn": play["drawn"],
            "segment": play["segment"],
            "frames": play["frames"],
            "heldFrames": play["held"],
            "digest": play["digest"].hexdigest(),
            "seconds": round(time.monotonic() - play["started"], 4),
        }
        self.plays.append(entry)
        index = play["index"]
        if self.expected is not None and play["drawn"]:
            wanted = self.expected[index] if index < len(self.expected) else None
            if wanted != entry["digest"]:
                self.write({"mismatch": {"play": index, "expected": wanted, "actual": entry["digest"]}})
                sys.stderr.write(
                    f"split render: play {index} differs from the plan "
                    f"(the scene depends on something besides its code)\n"
                )
                sys.stderr.flush()
                os._exit(MISMATCH_EXIT_CODE)

    def write(self, extra=None):
        result = {
            "mode": self.mode,
            "plays": self.plays,
            "sounds": self.sounds,
            "segmentPath": self.segment_path(),
            "seconds": round(time.monotonic() - self.started_at, 4),
        }
        result.update(extra or {})
        _write_result(self.result_path, result)


def _install(control):
    import numpy
    from manim.mobject.mobject import Mobject
    from manim.renderer.cairo_renderer import CairoRenderer
    from manim.scene.scene import Scene
    from manim.scene.scene_file_writer import SceneFileWriter
    from manim.utils.exceptions import EndSceneEarlyException

    plays = _Plays(control, _StateDigest(numpy, Mobject))
    seed = control.get("seed", 0)

    scene_init = Scene.__init__

    def seeded_init(self, *args, **kwargs):
        scene_init(self, *args, **kwargs)
        if getattr(self, "random_seed", None) is None:
            random.seed(seed)
            numpy.random.seed(seed)
        if plays.mode == "join":
            # The scene's own code does not run: the plan says what it played and sounded.
            self.setup = lambda: None
            self.tear_down = lambda: None
            self.construct = lambda: _join(self, plays.plan)

    Scene.__init__ = seeded_init

    def drawing():
        return plays.current is None or plays.current["drawn"]

    play = CairoRenderer.play

    def play_in_ranges(self, scene, *args, **kwargs):
        if plays.mode == "range" and plays.last is not None and self.num_plays > plays.last:
            raise EndSceneEarlyException()
        plays.begin(self.num_plays)
        play(self, scene, *args, **kwargs)
        plays.end()

    CairoRenderer.play = play_in_ranges

    update_frame = CairoRenderer.update_frame

    def update_frame_when_drawn(self, *args, **kwargs):
        if drawing():
            update_frame(self, *args, **kwargs)

    CairoRenderer.update_frame = update_frame_when_drawn

    get_frame = CairoRenderer.get_frame

    def get_frame_when_drawn(self):
        return get_frame(self) if drawing() else self.camera.pixel_array

    CairoRenderer.get_frame = get_frame_when_drawn

    add_frame = CairoRenderer.add_frame

    def add_frame_counted(self, frame, num_frames=1):
        if self.skip_animations:
            return
        plays.frame(self.scene_for_digest, self, num_frames)
        if drawing():
            add_frame(self, frame, num_frames)
        else:
            # The same arithmetic as add_frame, so that the scene's clock reads the same.
            dt = 1 / self.camera.frame_rate
            self.time += num_frames * dt

    CairoRenderer.add_frame = add_frame_counted

    init_scene = CairoRenderer.init_scene

    def init_scene_remembered(self, scene, *args, **kwargs):
        self.scene_for_digest = scene
        plays.renderer = self
        init_scene(self, scene, *args, **kwargs)

    CairoRenderer.init_scene = init_scene_remembered

    def when_drawn(method):
        def wrapper(self, *args, **kwargs):
            if drawing():
                return method(self, *args, **kwargs)
            return None

        return wrapper

    SceneFileWriter.begin_animation = when_drawn(SceneFileWriter.begin_animation)
    SceneFileWriter.end_animation = when_drawn(SceneFileWriter.end_animation)

    add_partial_movie_file = SceneFileWriter.add_partial_movie_file

    def partial_movie_file(self, hash_animation):
        if plays.current is not None:
            plays.current["segment"] = hash_animation is not None
        if drawing():
            return add_partial_movie_file(self, hash_animation)
        if plays.mode == "whole":
            # A reused play: its file is in place already, under the name this render gives it.
            return add_partial_movie_file(self, hash_animation)
        return add_partial_movie_file(self, None)

    SceneFileWriter.add_partial_movie_file = partial_movie_file

    add_sound = SceneFileWriter.add_sound

    def sound_once(self, sound_file, time, gain=None, **kwargs):
        # Only the join (or a whole render) builds the audio track, once for the whole video.
        plays.sounds.append({"file": str(sound_file), "time": time, "gain": gain, "options": kwargs})
        if plays.mode in ("whole", "join"):
            add_sound(self, sound_file, time, gain, **kwargs)

    SceneFileWriter.add_sound = sound_once
    return plays


def _join(scene, plan):
    """Hands Manim the ranges' partial movie files, named as a single render names them."""
    renderer = scene.renderer
    writer = renderer.file_writer
    for index, play in enumerate(plan["plays"]):
        writer.add_partial_movie_file(f"uncached_{index:05}" if play["segment"] else None)
        renderer.num_plays += 1
    for sound in plan["sounds"]:
        writer.add_sound(sound["file"], sound["time"], sound["gain"], **sound["options"])


def _main():
    control, poster, manim_argv = _load_control()
    try:
        plays = _install(control)
    except (ImportError, AttributeError) as error:
        _write_result(control["result"], {"unsupported": f"{type(error).__name__}: {error}"})
        sys.exit(MISMATCH_EXIT_CODE + 1)
    # _manim_render_run and _manim_render_poster come with this module (run_manim.py, poster.py).
    after = [plays.write]
    if poster:
        after.append(lambda: _manim_render_poster(poster))
    _manim_render_run(*_manim_render_load(), manim_argv, after)


_main()
