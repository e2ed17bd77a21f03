"""JPEG originals lose their personal metadata (GPS, camera) but not their pixels,
colour profile or orientation."""

from __future__ import annotations

import io

from learninghub_media.metadata import strip_jpeg


def photo(orientation: int | None = 6, icc: bytes | None = None, comment: bool = True) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (64, 48))
    for x in range(64):
        for y in range(48):
            image.putpixel((x, y), (x * 4, y * 5, (x + y) % 256))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc"
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0)}
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    if comment:
        extra["comment"] = b"shot at home"
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90, **extra)
    return out.getvalue()


def pixels(data: bytes) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.tobytes()


def test_gps_and_camera_go_pixels_and_orientation_stay():
    from PIL import Image

    original = photo()
    assert b"SpyCam" in original and b"shot at home" in original
    cleaned = strip_jpeg(original)
    assert cleaned is not None and len(cleaned) < len(original)
    assert b"SpyCam" not in cleaned and b"shot at home" not in cleaned
    assert pixels(cleaned) == pixels(original)  # not re-encoded
    with Image.open(io.BytesIO(cleaned)) as image:
        exif = image.getexif()
        assert dict(exif) == {0x0112: 6} and not exif.get_ifd(0x8825)


def test_colour_profile_is_kept_and_no_orientation_means_no_exif():
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    cleaned = strip_jpeg(photo(orientation=None, icc=icc))
    from PIL import Image

    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.info.get("icc_profile") == icc and not image.getexif()


def test_what_is_not_understood_is_left_alone():
    assert strip_jpeg(b"\x89PNG\r\n\x1a\n") is None
    assert strip_jpeg(b"\xff\xd8\xff\xe1\x00") is None  # truncated segment
    assert strip_jpeg(b"\xff\xd8\x00\x00") is None


def test_uploaded_photo_is_stored_without_metadata(
    tenant, user_factory, upload, client, media_settings
):
    owner = user_factory(tenant, "instructor")
    original = photo()
    asset = upload(tenant, owner, "home.jpg", original).json
    stored = client(tenant, owner).get(asset["file_url"]).body
    assert b"SpyCam" not in stored and pixels(stored) == pixels(original)
    assert asset["size"] == len(stored) and asset["width"] == 64
    media_settings(tenant, strip_image_metadata=False)
    kept = upload(tenant, owner, "home2.jpg", original).json
    assert client(tenant, owner).get(kept["file_url"]).body == original
