"""thumbnails: resizes uploaded images (JPEG, PNG, WebP, GIF) to the chosen sizes, plus a ZIP.

Pillow is imported inside the functions so the web side can import this module cheaply. EXIF
orientation is applied before resizing (``ImageOps.exif_transpose``), so phone photos stay upright.

Hostile images cost bounded memory and time: each image's decoded size is checked from its header
before decoding (``MAX_PIXELS``, after JPEG draft scaling), all the job's images together likewise
(``MAX_JOB_PIXELS``), one image is decoded at a time, and its thumbnails are made in place from
the largest down, so the full-size image is never copied. Budget (tests/test_hostile_uploads.py):
peak memory <= 160 MB + 2x the uploads.
"""

import io
import logging
import zipfile
from typing import Literal

from jobs.errors import TaskInputError
from jobs.file_names import safe_name
from jobs.outputs import save_output
from jobs.progress import report
from jobs.task_declaration import Params, TaskSpec, Upload, param, upload
from jobs.uploads import MAX_FILES, read_upload
from jobs.validators import parse_decimal

log = logging.getLogger(__name__)

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
SIZES = (64, 128, 256, 512, 1024)
#: Decoded pixels per image (after JPEG draft scaling), checked from the header before decoding.
#: Pillow keeps 4 bytes a pixel, so one decoded image takes at most 100 MB; a 24-megapixel camera
#: image passes, and larger JPEGs decode at 1/2 to 1/8 scale (draft) when the thumbnails allow it.
MAX_PIXELS = 25_000_000
#: Decoded pixels of all a job's images together, checked before any is decoded: bounds the job's
#: time (decoding is about 10 ms a megapixel) as MAX_PIXELS bounds its memory.
MAX_JOB_PIXELS = 400_000_000


def _size_list(value):
    """One size or several, as numbers or as the digits a form sends."""
    values = [value] if isinstance(value, int | str) else value
    return [parse_decimal(v) for v in values] if isinstance(values, list) else values


class ThumbnailsParams(Params):
    images: list[Upload] = upload(
        "Images",
        kinds=("image",),
        max_files=MAX_FILES,
        description="JPEG, PNG, WebP or GIF; choose one or more.",
        what="image",
    )
    sizes: list[Literal[SIZES]] = param(
        [128, 256],
        min_length=1,
        title="Sizes (longest side, pixels)",
        description="Hold Ctrl (or Cmd) to choose several.",
        message=f"Choose one or more sizes among {', '.join(map(str, SIZES))} pixels.",
        read=_size_list,
        clean=lambda sizes: sorted(set(sizes)),
    )


def open_header(data: bytes, filename: str, largest: int = max(SIZES)):
    """The image with only its header read, set to decode at the smallest JPEG scale (draft) that
    still covers ``largest``; refused when it would decode to more than MAX_PIXELS."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data), formats=sorted(ALLOWED_FORMATS))
        if image.format == "JPEG":
            image.draft(None, (largest, largest))  # decode at 1/2, 1/4 or 1/8 scale when that suffices
    except UnidentifiedImageError as exc:
        raise TaskInputError(f"{filename!r} is not a JPEG, PNG, WebP or GIF image.") from exc
    except Image.DecompressionBombError as exc:
        raise TaskInputError(f"{filename!r} has too many pixels to be processed safely.") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise TaskInputError(f"{filename!r} could not be read as an image; it may be damaged.") from exc
    if image.width * image.height > MAX_PIXELS:
        raise TaskInputError(f"{filename!r} is too large ({image.width}x{image.height} pixels).")
    return image


def open_image(data: bytes, filename: str, largest: int = max(SIZES)):
    """The decoded image, upright; a clear TaskInputError when it is not a supported image."""
    from PIL import Image, ImageOps

    image = open_header(data, filename, largest)
    try:
        image.load()
        return ImageOps.exif_transpose(image, in_place=True) or image  # no full-size copy
    except Image.DecompressionBombError as exc:
        raise TaskInputError(f"{filename!r} has too many pixels to be processed safely.") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise TaskInputError(f"{filename!r} could not be read as an image; it may be damaged.") from exc


def check_job_pixels(datas: list[bytes], filenames: list[str], largest: int) -> None:
    """All the job's images together decode to at most MAX_JOB_PIXELS (headers only read)."""
    total = 0
    for data, filename in zip(datas, filenames, strict=True):
        header = open_header(data, filename, largest)
        total += header.width * header.height
        header.close()
    if total > MAX_JOB_PIXELS:
        raise TaskInputError(
            f"These images have {total:,} pixels together; one job takes at most {MAX_JOB_PIXELS:,}. "
            "Send them in smaller groups."
        )


def _encode(thumb) -> tuple[bytes, str, tuple[int, int]]:
    """(encoded bytes, extension, (width, height)): PNG when the image has transparency, else JPEG."""
    has_alpha = thumb.mode in ("RGBA", "LA", "PA") or (thumb.mode == "P" and "transparency" in thumb.info)
    out = io.BytesIO()
    if has_alpha:
        thumb.convert("RGBA").save(out, "PNG", optimize=True)
        ext = "png"
    else:
        thumb.convert("RGB").save(out, "JPEG", quality=85)
        ext = "jpg"
    return out.getvalue(), ext, thumb.size


def make_thumbnail(image, size: int) -> tuple[bytes, str, tuple[int, int]]:
    """One thumbnail of ``image``, which is left as it is."""
    thumb = image.copy()
    thumb.thumbnail((size, size))
    return _encode(thumb)


def shrink_through(image, sizes: list[int]) -> dict[int, tuple[bytes, str, tuple[int, int]]]:
    """Thumbnails at every size, made largest first, each from the one before and in place: no
    copy of the full-size image is ever made (``image`` ends up as the smallest thumbnail)."""
    made = {}
    for size in sorted(sizes, reverse=True):
        image.thumbnail((size, size))  # Pillow's reduce() first, then a resampling pass
        made[size] = _encode(image)
    return made


def make_all(datas: list[bytes], filenames: list[str], sizes: list[int]) -> int:
    """How many thumbnails the images give (the work of ``run`` without storing it)."""
    check_job_pixels(datas, filenames, max(sizes))
    count = 0
    for data, filename in zip(datas, filenames, strict=True):
        count += len(shrink_through(open_image(data, filename, max(sizes)), sizes))
    return count


def run(params: dict) -> dict:
    images, sizes = params["images"], params["sizes"]
    log.info("Making %d thumbnail size(s) of %d image(s)", len(sizes), len(images))
    datas = [read_upload(ref) for ref in images]
    check_job_pixels(datas, [ref["filename"] for ref in images], max(sizes))  # before decoding any
    archive_buffer = io.BytesIO()
    files, used_names = [], set()
    with zipfile.ZipFile(archive_buffer, "w", zipfile.ZIP_STORED) as archive:
        for index, ref in enumerate(images):
            report(index, len(images), f"Image {index + 1} of {len(images)}: {ref['filename']}")
            made = shrink_through(open_image(datas[index], ref["filename"], max(sizes)), sizes)
            datas[index] = b""  # this upload is done with; its bytes can go
            stem = safe_name(ref["filename"].rsplit(".", 1)[0], default=f"image{index + 1}")
            if stem in used_names:
                stem = f"{stem}-{index + 1}"
            used_names.add(stem)
            for size in sizes:
                data, ext, (width, height) = made[size]
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


TASK = TaskSpec(
    name="thumbnails",
    title="Thumbnails",
    description="Upload JPEG, PNG, WebP or GIF images and choose sizes: upright thumbnails "
    "to preview and download as a ZIP file.",
    params=ThumbnailsParams,
    run=run,
    timeout=900,
    result_kind="thumbnails",
)
validate = TASK.validate
