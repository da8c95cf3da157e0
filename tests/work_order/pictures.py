"""Pictures for the upload tests, good and bad: plain ones, one carrying EXIF (orientation, maker, GPS) and a
comment, a transparent PNG with a text chunk, a truncated JPEG, a text file with JPEG's magic bytes, and a
crafted 'pixel bomb' (a PNG of a few dozen bytes declaring a huge size)."""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo

TEXT_AS_JPEG = b"\xff\xd8\xff\xe0" + b"not a picture: a text file renamed photo.jpg\n" * 20


def picture(fmt: str = "JPEG", size: tuple[int, int] = (160, 120), colour: str = "white") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt)
    return out.getvalue()


def truncated_jpeg() -> bytes:
    """The first half of a noisy JPEG: its header is whole (it opens, and ``verify`` passes), its pixels
    are not."""
    size = (300, 200)
    noise = random.Random(7).randbytes(size[0] * size[1] * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", size, noise).save(out, format="JPEG")
    data = out.getvalue()
    return data[: len(data) // 2]


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def pixel_bomb(width: int, height: int) -> bytes:
    """A well-formed PNG header declaring ``width`` × ``height`` RGB pixels, with almost no pixel data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


def jpeg_with_metadata() -> bytes:
    """A 200×100 JPEG whose EXIF says 'rotate 90° clockwise to show', names the phone and where it was,
    and which carries a comment."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "SecretPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (30.0, 16.0, 12.0)
    out = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(out, format="JPEG", exif=exif, comment=b"home of the customer")
    return out.getvalue()


def png_with_text_and_alpha() -> bytes:
    """A 120×60 signature-like PNG: transparent but for a black stroke, with a text chunk."""
    image = Image.new("RGBA", (120, 60), (0, 0, 0, 0))
    for x in range(10, 110):
        image.putpixel((x, 30), (0, 0, 0, 255))
    info = PngInfo()
    info.add_text("Comment", "home of the customer")
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def jpeg_with_a_second_picture() -> bytes:
    """A 64×48 JPEG followed by a second, smaller picture (MPF), as phones write depth and HDR gain maps:
    Pillow opens it as "MPO"."""
    out = io.BytesIO()
    first, second = Image.new("RGB", (64, 48), "red"), Image.new("RGB", (32, 24), "blue")
    first.save(out, format="MPO", save_all=True, append_images=[second])
    return out.getvalue()
