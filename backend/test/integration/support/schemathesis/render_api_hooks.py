"""Uploads for Schemathesis runs against the render API.

The description says that "file", "project" and "assets" are files, but not what they hold; bytes
made up at random are refused for their content (not UTF-8, not an archive), which says nothing
about the contract. Before each call, every upload that Schemathesis made up is replaced by one
of the kind the field asks for. Fields it made the wrong type on purpose are left alone.
"""

import io
import zipfile

import schemathesis

SCENE = b"from manim import *\n\n\nclass Intro(Scene):\n    def construct(self):\n        self.wait(1)\n"
# A 1x1 PNG, so the asset is named assets.png.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a49444154789c6360000000020001e221bc330000000049454e44ae426082"
)


def _project_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("scene.py", SCENE)
    return buffer.getvalue()


PROJECT = _project_archive()


def _is_upload(value: object) -> bool:
    return isinstance(value, (bytes, bytearray)) or type(value).__name__ == "Binary"


@schemathesis.hook
def before_call(context, case, kwargs):
    body = case.body
    if case.media_type != "multipart/form-data" or not isinstance(body, dict):
        return
    if _is_upload(body.get("file")):
        body["file"] = SCENE
    if _is_upload(body.get("project")):
        body["project"] = PROJECT
    assets = body.get("assets")
    if isinstance(assets, list) and assets and all(_is_upload(item) for item in assets):
        # One file: several would all be named assets.png, which the API refuses as duplicates.
        body["assets"] = [PIXEL]


def _as_validated(value: object) -> object:
    """A form value as the description validates it: every part of a form is text, so an upload
    is a string (`format: binary` is a string) and a boolean or a number goes as its text."""
    if _is_upload(value):
        return ""
    if isinstance(value, list):
        return [_as_validated(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _misjudged(case) -> bool:
    """Whether Schemathesis took a valid form for an invalid one, or the other way round.

    The form's three shapes (code, file or project) are a `oneOf`; Schemathesis 4.32 builds some
    forms from the properties alone (its coverage phase, and the stateful phase's reuse of such
    cases) and then calls some valid ones invalid and some invalid ones valid. Its own validator
    checks the form against the description here.
    """
    body = case.body
    if case.media_type != "multipart/form-data" or not isinstance(body, dict) or case.meta is None:
        return False
    description = case.operation.get_body_for_media_type(case.media_type)
    if description is None:
        return False
    valid = description.is_valid({name: _as_validated(value) for name, value in body.items()})
    return valid != (case.meta.generation.mode == "positive")


@schemathesis.hook
def filter_case(context, case):
    return not _misjudged(case)


@schemathesis.hook
def filter_failure(context, failure, case, response):
    return not _misjudged(case)
