"""The demo technicians' photos: drawn avatars, not photographs of anyone. Each is drawn here with Pillow at
seed time (nothing is downloaded): a coloured background, a face with hair, and shoulders in a work uniform
with a collar and a name badge, the colours picked from the technician's id so every one differs. They go
through ``technician.photo.keep`` as an uploaded photo would (re-encoded, under the upload directory)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from anxin.technician import photo
from anxin.technician.models import Technician

SIDE = 384
BACKGROUNDS = ["#dbeafe", "#dcfce7", "#fef3c7", "#fce7f3", "#e0e7ff", "#ccfbf1", "#f3e8ff", "#ffedd5"]
SKIN = ["#f1c27d", "#e0ac69", "#f5cba7", "#d9a066", "#eac086"]
HAIR = ["#1f2937", "#111827", "#374151", "#3f3f46", "#52525b"]
UNIFORM = ["#1d4ed8", "#0f766e", "#b91c1c", "#334155", "#1e40af", "#047857"]


def draw(seed: int) -> Image.Image:
    """One drawn avatar (RGB, ``SIDE`` pixels square), the same for the same ``seed``."""
    rng = random.Random(seed)
    image = Image.new("RGB", (SIDE, SIDE), rng.choice(BACKGROUNDS))
    pen = ImageDraw.Draw(image)
    s = SIDE / 100  # drawn on a 100-unit grid
    uniform = rng.choice(UNIFORM)
    skin = rng.choice(SKIN)
    hair = rng.choice(HAIR)
    # shoulders and the uniform, with a white collar and a badge
    pen.rounded_rectangle([14 * s, 70 * s, 86 * s, 112 * s], radius=int(18 * s), fill=uniform)
    pen.polygon([(40 * s, 70 * s), (50 * s, 82 * s), (60 * s, 70 * s)], fill="#ffffff")
    pen.rectangle([62 * s, 84 * s, 74 * s, 90 * s], fill="#f8fafc")
    # neck and face
    pen.rectangle([44 * s, 58 * s, 56 * s, 72 * s], fill=skin)
    pen.ellipse([31 * s, 22 * s, 69 * s, 64 * s], fill=skin)
    # hair: a cap of it over the top of the head, short or with a side parting
    pen.chord([29 * s, 16 * s, 71 * s, 52 * s], 180, 360, fill=hair)
    if rng.random() < 0.5:
        pen.rectangle([29 * s, 33 * s, 34 * s, 42 * s], fill=hair)
        pen.rectangle([66 * s, 33 * s, 71 * s, 42 * s], fill=hair)
    # eyes and a smile
    for x in (42, 58):
        pen.ellipse([(x - 2) * s, 41 * s, (x + 2) * s, 45 * s], fill="#1f2937")
    pen.arc([43 * s, 47 * s, 57 * s, 57 * s], 20, 160, fill="#7c2d12", width=max(2, int(1.2 * s)))
    return image


def load(db: Session, *, technicians: Iterable[Technician], upload_dir: Path, now: datetime) -> int:
    """A drawn avatar as each technician's photo; how many were drawn."""
    count = 0
    for technician in technicians:
        photo.keep(
            db,
            technician=technician,
            image=draw(technician.id),
            content_type="image/jpeg",
            upload_dir=upload_dir,
            now=now,
        )
        count += 1
    return count
