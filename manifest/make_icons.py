"""Draw the Teams app icons: two overlapping speech bubbles, a conversation.

Run from the repository root: ``.venv/bin/python manifest/make_icons.py``. It writes
``manifest/color.png`` (192x192, light bubbles on the accent colour) and
``manifest/outline.png`` (32x32, white on transparent). The output is deterministic: the
same pixels on every run, so the committed icons can be checked against this code.

Each icon's shapes are given in that icon's own pixel coordinates, drawn at
``SUPERSAMPLE`` times the final size and scaled down (LANCZOS for the colour icon, BOX for
the pixel-aligned outline) for smooth edges.
"""

import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

from assistant.package import ACCENT_COLOR

ACCENT = ACCENT_COLOR
"""The colour icon's background (a calm deep teal), also the manifest's ``accentColor``."""
BACK_BUBBLE = "#C4E4E3"
FRONT_BUBBLE = "#FFFFFF"

SUPERSAMPLE = 4
COLOR_RESAMPLE = Image.Resampling.LANCZOS
OUTLINE_RESAMPLE = Image.Resampling.BOX
"""The outline's edges sit on whole pixels: BOX gives each pixel exactly the share of it
the shape covers, where LANCZOS would ring (faint halos, a 2 px line at alpha 244)."""
COLOR_SIZE = 192
OUTLINE_SIZE = 32
MANIFEST_DIR = Path(__file__).resolve().parent

Point = tuple[float, float]


@dataclass(frozen=True)
class Bubble:
    """A speech bubble in final-icon pixels: a rounded body, one corner of which stays
    square (``corners`` says which are rounded: top-left, top-right, bottom-right,
    bottom-left), and a pointed tail growing out of that corner."""

    box: tuple[float, float, float, float]
    radius: float
    corners: tuple[bool, bool, bool, bool]
    tail: tuple[Point, Point, Point]


@dataclass(frozen=True)
class Symbol:
    """The two bubbles (the front one overlaps the back one), the gap kept between them,
    how the back bubble is drawn (filled, or as a ``back_stroke`` wide line), and the
    optional 'someone is talking' dots in the front bubble."""

    back: Bubble
    front: Bubble
    gap: float
    back_stroke: float = 0.0
    dots: tuple[Point, ...] = ()
    dot_radius: float = 0.0


COLOR_SYMBOL = Symbol(
    back=Bubble(
        box=(44, 46, 115, 100),
        radius=18,
        corners=(True, True, True, False),
        tail=((44, 96), (44, 116), (70, 100)),
    ),
    front=Bubble(
        box=(75, 79, 148, 132),
        radius=18,
        corners=(True, True, False, True),
        tail=((148, 128), (148, 148), (126, 132)),
    ),
    gap=5,
    dots=((93.5, 105.5), (111.5, 105.5), (129.5, 105.5)),
    dot_radius=5.5,
)
"""The colour icon's symbol: about 104x102 px in the middle of 192x192, both bubbles filled."""

OUTLINE_SYMBOL = Symbol(
    back=Bubble(
        box=(2, 2, 21, 16),
        radius=6,
        corners=(True, True, True, False),
        tail=((2, 15), (2, 21), (8, 16)),
    ),
    front=Bubble(
        box=(11, 11, 30, 25),
        radius=6,
        corners=(True, True, False, True),
        tail=((30, 24), (30, 30), (24, 25)),
    ),
    gap=1,
    back_stroke=2,
)
"""The outline icon's symbol, simplified for 32 px: the back bubble a 2 px line, the front
one filled, no dots, straight edges on whole pixels, 2 px padding."""


def scaled(point: Point) -> tuple[float, float]:
    """A final-icon point in supersampled canvas pixels."""
    return (point[0] * SUPERSAMPLE, point[1] * SUPERSAMPLE)


def pixel_box(
    left: float, top: float, right: float, bottom: float
) -> tuple[float, float, float, float]:
    """A box from edge coordinates to Pillow's, whose right and bottom are the last pixel
    inside the box (so a shape from 8 to 120 covers exactly 112 pixels)."""
    return (left, top, right - 1, bottom - 1)


def pixel_triangle(corners: tuple[Point, Point, Point]) -> list[tuple[float, float]]:
    """A final-icon triangle as Pillow polygon vertices on the supersampled canvas.

    Pillow fills a polygon's boundary pixels too; moving every side half a pixel inward
    (scaling about the incentre) makes it cover what the edges enclose, like ``pixel_box``.
    """
    points = [scaled(p) for p in corners]
    sides = [math.dist(points[(i + 1) % 3], points[(i + 2) % 3]) for i in range(3)]
    perimeter = sum(sides)
    centre_x = sum(w * p[0] for w, p in zip(sides, points, strict=True)) / perimeter
    centre_y = sum(w * p[1] for w, p in zip(sides, points, strict=True)) / perimeter
    (ax, ay), (bx, by), (cx, cy) = points
    inradius = abs((bx - ax) * (cy - ay) - (cx - ax) * (by - ay)) / perimeter
    shrink = (inradius - 0.5) / inradius
    return [
        (centre_x + (x - centre_x) * shrink, centre_y + (y - centre_y) * shrink) for x, y in points
    ]


def body_box(bubble: Bubble, grow: float) -> tuple[float, float, float, float]:
    """The bubble body's box on the supersampled canvas, grown by ``grow`` (or shrunk)."""
    left, top = scaled(bubble.box[:2])
    right, bottom = scaled(bubble.box[2:])
    pad = grow * SUPERSAMPLE
    return pixel_box(left - pad, top - pad, right + pad, bottom + pad)


def bubble_mask(size: int, bubble: Bubble, grow: float = 0.0) -> Image.Image:
    """An ``L`` mask (supersampled ``size``) of one bubble, grown outward by ``grow``."""
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    pad = grow * SUPERSAMPLE
    radius = bubble.radius * SUPERSAMPLE + pad
    draw.rounded_rectangle(body_box(bubble, grow), radius, fill=255, corners=bubble.corners)
    tail = pixel_triangle(bubble.tail)
    draw.polygon(tail, fill=255)
    if pad > 0:
        draw.line([*tail, tail[0]], fill=255, width=round(2 * pad), joint="curve")
        for x, y in tail:
            draw.ellipse(pixel_box(x - pad, y - pad, x + pad, y + pad), fill=255)
    return mask


def hollowed(mask: Image.Image, bubble: Bubble, stroke: float) -> Image.Image:
    """``mask`` with the bubble's body emptied, leaving a ``stroke`` wide line (and the
    tail solid)."""
    inner = Image.new("L", mask.size, 0)
    radius = (bubble.radius - stroke) * SUPERSAMPLE
    ImageDraw.Draw(inner).rounded_rectangle(
        body_box(bubble, -stroke), radius, fill=255, corners=bubble.corners
    )
    return ImageChops.subtract(mask, inner)


def symbol_masks(size: int, symbol: Symbol) -> tuple[Image.Image, Image.Image]:
    """The back and front bubble masks; the back one is cut ``gap`` clear of the front."""
    front = bubble_mask(size, symbol.front)
    halo = bubble_mask(size, symbol.front, grow=symbol.gap)
    back = bubble_mask(size, symbol.back)
    if symbol.back_stroke > 0:
        back = hollowed(back, symbol.back, symbol.back_stroke)
    return ImageChops.subtract(back, halo), front


def dots_mask(size: int, symbol: Symbol) -> Image.Image:
    """An ``L`` mask (supersampled ``size``) of the symbol's dots."""
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    radius = symbol.dot_radius * SUPERSAMPLE
    for centre in symbol.dots:
        x, y = scaled(centre)
        draw.ellipse(pixel_box(x - radius, y - radius, x + radius, y + radius), fill=255)
    return mask


def draw_color_icon() -> Image.Image:
    """The 192x192 colour icon: light bubbles on a solid accent background."""
    size = COLOR_SIZE * SUPERSAMPLE
    back, front = symbol_masks(size, COLOR_SYMBOL)
    canvas = Image.new("RGB", (size, size), ACCENT)
    canvas.paste(BACK_BUBBLE, (0, 0, size, size), back)
    canvas.paste(FRONT_BUBBLE, (0, 0, size, size), front)
    canvas.paste(ACCENT, (0, 0, size, size), dots_mask(size, COLOR_SYMBOL))
    return canvas.resize((COLOR_SIZE, COLOR_SIZE), COLOR_RESAMPLE)


def draw_outline_icon() -> Image.Image:
    """The 32x32 outline icon: the bubbles in pure white on a transparent background."""
    size = OUTLINE_SIZE * SUPERSAMPLE
    back, front = symbol_masks(size, OUTLINE_SYMBOL)
    alpha = ImageChops.lighter(back, front)
    alpha = alpha.resize((OUTLINE_SIZE, OUTLINE_SIZE), OUTLINE_RESAMPLE)
    white = Image.new("L", alpha.size, 255)
    return Image.merge("RGBA", (white, white, white, alpha))


def write_icons(directory: Path = MANIFEST_DIR) -> tuple[Path, Path]:
    """Draw both icons and write them as ``color.png`` and ``outline.png`` in ``directory``."""
    color_path = directory / "color.png"
    outline_path = directory / "outline.png"
    draw_color_icon().save(color_path, format="PNG")
    draw_outline_icon().save(outline_path, format="PNG")
    return color_path, outline_path


def main() -> None:
    """Write the icons next to this script and say where."""
    for path in write_icons():
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
