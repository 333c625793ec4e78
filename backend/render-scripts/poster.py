# The poster of a render: the last frame of the video Manim wrote, as PNG. It runs in Manim's own
# process in the render container once Manim has ended well (run_manim.py), with the image's own
# PyAV and Pillow (both are Manim dependencies). It never fails the render: a video it cannot read
# leaves no poster and one line on stderr.


def _manim_render_poster(request):
    import glob
    import os
    import sys

    try:
        import av
        from PIL import Image

        videos = [
            path
            for path in glob.glob(
                os.path.join(request["mediaDir"], "videos", "**", "*." + request["extension"]),
                recursive=True,
            )
            if "partial_movie_files" not in path.split(os.sep)
            and os.path.basename(path).startswith(request["scene"])
        ]
        if not videos:
            return  # a scene that plays nothing gives a PNG, its own poster
        video = max(videos, key=os.path.getmtime)
        frame = _manim_render_last_frame(av, video)
        if frame is None:
            raise RuntimeError(os.path.basename(video) + " holds no frame")
        alpha = request.get("transparent", False)
        pixels = frame.to_ndarray(format="rgba" if alpha else "rgb24")
        image = Image.fromarray(pixels, "RGBA" if alpha else "RGB")
        partial = request["out"] + ".part"
        image.save(partial, "PNG")
        os.replace(partial, request["out"])
    except Exception as error:  # noqa: BLE001 (a poster is never worth a failed render)
        sys.stderr.write("poster: no poster was made: " + str(error) + "\n")


def _manim_render_last_frame(av, video):
    with av.open(video) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        # A video is decoded from the last key frame before its end, not from its start: each of
        # Manim's plays starts with one. Formats that cannot seek are read whole.
        if container.duration:
            try:
                container.seek(max(container.duration - 1, 0), backward=True, any_frame=False)
            except Exception:  # noqa: BLE001
                container.seek(0)
        last = None
        for frame in container.decode(stream):
            last = frame
        if last is None and container.duration:
            container.seek(0)
            for frame in container.decode(stream):
                last = frame
        return last
