"""thumbnails: resizes uploaded images (JPEG, PNG, WebP, GIF) to the chosen sizes, plus a ZIP.

Pillow is imported inside the functions so the web side can import this module cheaply. EXIF
orientation is applied before resizing (``ImageOps.exif_transpose``), so phone photos stay upright.
"""

import io
import logging
import zipfile

from jobs.errors import TaskInputError
from jobs.file_names import safe_name
from jobs.outputs import save_output
from jobs.progress import report
from jobs.uploads import MAX_FILES, check_upload, read_upload
from jobs.validators import parse_decimal

log = logging.getLogger(__name__)

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
SIZES = (64, 128, 256, 512, 1024)
MAX_PIXELS = 50_000_000


def validate(params: dict) -> dict:
    images = params.get("images")
    if not isinstance(images, list) or not images:
        raise TaskInputError("Choose at least one image to upload.")
    if len(images) > MAX_FILES:
        raise TaskInputError(f"Upload at most {MAX_FILES} images at a time.")
    sizes = params.get("sizes")
    if isinstance(sizes, int | str):
        sizes = [sizes]
    if not isinstance(sizes, list) or not sizes:
        raise TaskInputError("Choose at least one thumbnail size.")
    clean_sizes = []
    for size in sizes:
        size = parse_decimal(size)
        if isinstance(size, bool) or size not in SIZES:
            raise TaskInputError(f"Thumbnail sizes must be among {', '.join(map(str, SIZES))} pixels.")
        clean_sizes.append(size)
    return {"images": [check_upload(ref, "image") for ref in images], "sizes": sorted(set(clean_sizes))}


def open_image(data: bytes, filename: str):
    """The decoded image, upright; a clear TaskInputError when it is not a supported image."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data), formats=sorted(ALLOWED_FORMATS))
        if image.width * image.height > MAX_PIXELS:
            raise TaskInputError(f"{filename!r} is too large ({image.width}x{image.height} pixels).")
        image.load()
        return ImageOps.exif_transpose(image)
    except TaskInputError:
        raise
    except UnidentifiedImageError as exc:
        raise TaskInputError(f"{filename!r} is not a JPEG, PNG, WebP or GIF image.") from exc
    except Image.DecompressionBombError as exc:
        raise TaskInputError(f"{filename!r} has too many pixels to be processed safely.") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise TaskInputError(f"{filename!r} could not be read as an image; it may be damaged.") from exc


def make_thumbnail(image, size: int) -> tuple[bytes, str, tuple[int, int]]:
    """(encoded bytes, extension, (width, height)): PNG when the image has transparency, else JPEG."""
    thumb = image.copy()
    thumb.thumbnail((size, size))
    has_alpha = thumb.mode in ("RGBA", "LA", "PA") or (thumb.mode == "P" and "transparency" in thumb.info)
    out = io.BytesIO()
    if has_alpha:
        thumb.convert("RGBA").save(out, "PNG", optimize=True)
        ext = "png"
    else:
        thumb.convert("RGB").save(out, "JPEG", quality=85)
        ext = "jpg"
    return out.getvalue(), ext, thumb.size


def run(params: dict) -> dict:
    images, sizes = params["images"], params["sizes"]
    log.info("Making %d thumbnail size(s) of %d image(s)", len(sizes), len(images))
    archive_buffer = io.BytesIO()
    files, used_names = [], set()
    with zipfile.ZipFile(archive_buffer, "w", zipfile.ZIP_STORED) as archive:
        for index, ref in enumerate(images):
            report(index, len(images), f"Image {index + 1} of {len(images)}: {ref['filename']}")
            image = open_image(read_upload(ref), ref["filename"])
            stem = safe_name(ref["filename"].rsplit(".", 1)[0], default=f"image{index + 1}")
            if stem in used_names:
                stem = f"{stem}-{index + 1}"
            used_names.add(stem)
            for size in sizes:
                data, ext, (width, height) = make_thumbnail(image, size)
                name = f"{stem}-{size}.{ext}"
                archive.writestr(name, data)
                content_type = "image/png" if ext == "png" else "image/jpeg"
                files.append(
                    save_output(
                        name,
                        data,
                        content_type,
                        f"{ref['filename']} at {size} px",
                        width=width,
                        height=height,
                    )
                )
    report(len(images), len(images), "Writing the ZIP file")
    zip_file = save_output(
        "thumbnails.zip", archive_buffer.getvalue(), "application/zip", "All thumbnails (ZIP)"
    )
    count = len(files)
    return {
        "summary": f"Made {count} thumbnail{'s' if count != 1 else ''} of {len(images)} "
        f"image{'s' if len(images) != 1 else ''}.",
        "images": len(images),
        "thumbnails": count,
        "files": [zip_file, *files],
    }
