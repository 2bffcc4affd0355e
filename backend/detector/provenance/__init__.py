"""Evidence in an image file beyond its pixels: Content Credentials, generator settings, EXIF.

Pure: bytes in, findings out; no Flask, nothing written to disk or logged.
`read_provenance(data)` returns the `provenance` object of the API, whose three
findings each say what was found, what it means and how strong it is. Hostile
or damaged metadata becomes a "could not be read" finding, never an exception.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, PngImagePlugin

from .. import chunks
from ..preprocessing import ALLOWED_FORMATS
from .credentials import not_searched, read_credentials
from .metadata import no_camera, no_generator, read_metadata
from .trust import INTERIM, OFFICIAL, TrustLists, context_for, shipped_lists

NOTE = (
    "Missing metadata proves nothing: most platforms and screenshots remove it, "
    "so its absence says nothing about whether a picture is real."
)
# Formats whose metadata is read: those the model's preprocessing accepts (importing
# it also registers the HEIF reader with Pillow).
FORMATS = ALLOWED_FORMATS

# Pillow inflates a PNG's text chunks as it opens the file, up to 64 MB in all by default: 200
# zTXt chunks of 900 KB each cost 0.3 s of CPU before it refused them. No real file carries
# more than a few MB of text (a large ComfyUI workflow is a few hundred KB), so stop at 4 MB.
# Decoding never meets text chunks (chunks.pixel_stream leaves them out).
PngImagePlugin.MAX_TEXT_MEMORY = 4 * 1024 * 1024

__all__ = ["INTERIM", "NOTE", "OFFICIAL", "TrustLists", "read_provenance", "warm_up"]


def read_provenance(data: bytes, trust: TrustLists | None = None) -> dict:
    """The `provenance` object for an image file (trust: the shipped trust lists by default)."""
    try:
        _check_structure(data)
    except chunks.TooManyChunksError:
        return _not_read()
    image = _open(data)
    # Pillow refuses a PNG whose text chunks are too large (zip bombs); its credentials are still read.
    image_format = image.format if image is not None else "PNG" if chunks.is_png(data) else None
    app_segments = getattr(image, "applist", ()) if image is not None else ()
    try:
        credentials = read_credentials(data, image_format, app_segments, trust)
    except Exception:  # the reader guards itself; this is the last line of defence
        from .credentials import unreadable

        credentials = unreadable("an unexpected error occurred")
    if image is None:
        generator = no_generator("The file's metadata could not be read.")
        camera = no_camera("The file's metadata could not be read.")
    else:
        try:
            generator, camera = read_metadata(image)
        except Exception:
            generator = no_generator("The file's metadata could not be read.")
            camera = no_camera("The file's metadata could not be read.")
        finally:
            image.close()
    return {
        "content_credentials": credentials,
        "generator_metadata": generator,
        "camera_metadata": camera,
        "note": NOTE,
    }


def _check_structure(data: bytes) -> None:
    """Walk a PNG's chunks or a JPEG's segments with a bound before any reader walks them all."""
    if chunks.is_png(data):
        chunks.png_chunks(data)
    elif chunks.is_jpeg(data):
        chunks.check_jpeg_segments(data)


def _not_read() -> dict:
    """The `provenance` object for a file whose structure is too large to read."""
    reason = "The file's metadata was not read: it holds more chunks than this service reads."
    return {
        "content_credentials": not_searched(),
        "generator_metadata": no_generator(reason),
        "camera_metadata": no_camera(reason),
        "note": NOTE,
    }


def warm_up(trust: TrustLists | None = None) -> None:
    """Parse the trust lists now (once per process) rather than on the first request."""
    context_for(trust or shipped_lists())


def _open(data: bytes) -> Image.Image | None:
    """Open lazily (headers and metadata only, no pixels), or None if Pillow cannot."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # size warnings matter for decoding, which never happens here
            return Image.open(io.BytesIO(data), formats=FORMATS)
    except Exception:
        return None
