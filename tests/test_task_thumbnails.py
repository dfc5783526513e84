"""thumbnails: real images made with Pillow (EXIF rotation, transparency, damage); one real run."""

import io
import re
import zipfile

import pytest
from PIL import Image

from jobs import thumbnails
from jobs.errors import TaskInputError
from jobs.thumbnails import make_thumbnail, open_image
from tests.helpers import page_once_run, submit

ORIENTATION = 0x0112


def image_bytes(size=(200, 100), fmt="JPEG", mode="RGB", color=(200, 30, 30), orientation=None) -> bytes:
    image = Image.new(mode, size, color)
    out = io.BytesIO()
    if orientation is not None:
        exif = Image.Exif()
        exif[ORIENTATION] = orientation
        image.save(out, fmt, exif=exif.tobytes())
    else:
        image.save(out, fmt)
    return out.getvalue()


def test_exif_orientation_is_applied_before_resizing():
    # Stored 200x100 but tagged "rotate 90": shown upright it is 100 wide and 200 tall.
    image = open_image(image_bytes(orientation=6), "phone.jpg")
    assert image.size == (100, 200)
    data, ext, size = make_thumbnail(image, 64)
    assert ext == "jpg" and size == (32, 64)
    assert Image.open(io.BytesIO(data)).size == (32, 64)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF"])
def test_other_formats_open_and_keep_their_aspect_ratio(fmt):
    mode = "P" if fmt == "GIF" else "RGB"
    color = 1 if fmt == "GIF" else (0, 0, 255)
    image = open_image(image_bytes((300, 150), fmt, mode, color), f"x.{fmt.lower()}")
    assert make_thumbnail(image, 128)[2] == (128, 64)


def test_transparency_gives_a_png():
    image = open_image(image_bytes((50, 50), "PNG", "RGBA", (0, 0, 0, 0)), "clear.png")
    data, ext, _ = make_thumbnail(image, 16)
    assert ext == "png" and Image.open(io.BytesIO(data)).mode == "RGBA"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not an image at all", "'x.jpg' is not a JPEG, PNG, WebP or GIF image."),
        (image_bytes(fmt="BMP"), "'x.jpg' is not a JPEG, PNG, WebP or GIF image."),
        (image_bytes()[:300], "'x.jpg' could not be read as an image; it may be damaged."),
    ],
)
def test_wrong_or_damaged_files_give_one_sentence(data, message):
    with pytest.raises(TaskInputError, match=re.escape(message)):
        open_image(data, "x.jpg")


def test_an_image_with_too_many_pixels_is_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(thumbnails, "MAX_PIXELS", 10_000)
    with pytest.raises(TaskInputError, match=re.escape("'big.png' is too large (200x100 pixels).")):
        open_image(image_bytes(fmt="PNG"), "big.png")


def test_validate_sizes_and_images():
    ref = {"file": "in-images0-1", "filename": "a.jpg", "size": 1}
    assert thumbnails.validate({"images": [ref], "sizes": ["256", 64, 64]})["sizes"] == [64, 256]
    with pytest.raises(TaskInputError, match="Thumbnail sizes must be among"):
        thumbnails.validate({"images": [ref], "sizes": [100]})
    with pytest.raises(TaskInputError, match="Choose at least one image"):
        thumbnails.validate({"images": [], "sizes": [64]})


def test_through_the_worker_with_previews_and_a_zip(client, run_jobs):
    files = [
        (io.BytesIO(image_bytes(orientation=6)), "phone photo.jpg"),
        (io.BytesIO(image_bytes((80, 40), "PNG", "RGBA", (0, 255, 0, 128))), "logo.png"),
    ]
    job_id = submit(client, "thumbnails", {"images": files, "sizes": ["64", "128"]})
    html = page_once_run(client, run_jobs, job_id, "finished")
    assert "Made 4 thumbnails of 2 images." in html
    assert f'src="/jobs/{job_id}/files/phone_photo-64.jpg?inline=1"' in html
    assert 'width="32" height="64"' in html  # upright: EXIF orientation respected
    preview = client.get(f"/jobs/{job_id}/files/phone_photo-64.jpg?inline=1")
    assert preview.headers["Content-Type"] == "image/jpeg"
    assert preview.headers["Content-Disposition"] == 'inline; filename="phone_photo-64.jpg"'
    assert Image.open(io.BytesIO(preview.data)).size == (32, 64)
    archive = client.get(f"/jobs/{job_id}/files/thumbnails.zip?inline=1")
    assert archive.headers["Content-Type"] == "application/zip"
    assert archive.headers["Content-Disposition"] == 'attachment; filename="thumbnails.zip"'
    assert archive.headers["X-Content-Type-Options"] == "nosniff"
    with zipfile.ZipFile(io.BytesIO(archive.data)) as zf:
        assert sorted(zf.namelist()) == [
            "logo-128.png",
            "logo-64.png",
            "phone_photo-128.jpg",
            "phone_photo-64.jpg",
        ]
        assert Image.open(io.BytesIO(zf.read("logo-128.png"))).size == (80, 40)  # never enlarged


def test_form_refuses_a_file_that_is_not_an_image(client):
    response = client.post(
        "/tasks/thumbnails",
        data={"images": [(io.BytesIO(b"hello"), "notes.txt")], "sizes": ["64"]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "&#39;notes.txt&#39; is not a JPEG, PNG, WebP or GIF image." in response.get_data(as_text=True)
