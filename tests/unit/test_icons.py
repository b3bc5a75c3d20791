"""The Teams app icons: the sizes and colours Teams asks for, and exactly what
``manifest/make_icons.py`` draws (so nobody edits the PNGs by hand, or the code alone)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

MANIFEST_DIR = Path(__file__).resolve().parents[2] / "manifest"
SCRIPT = MANIFEST_DIR / "make_icons.py"
COLOR = MANIFEST_DIR / "color.png"
OUTLINE = MANIFEST_DIR / "outline.png"


def _open(path: Path) -> Image.Image:
    """The image fully read, its file closed."""
    with Image.open(path) as image:
        image.load()
        return image.copy()


@pytest.fixture
def make_icons(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The drawing script, imported from its file (it is not part of a package)."""
    spec = importlib.util.spec_from_file_location("make_icons", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def color() -> Image.Image:
    return _open(COLOR)


@pytest.fixture(scope="module")
def outline() -> Image.Image:
    return _open(OUTLINE)


def test_the_color_icon_is_192_square_and_not_one_flat_colour(color: Image.Image) -> None:
    assert color.size == (192, 192)
    assert color.mode in {"RGB", "RGBA"}
    colours = color.convert("RGB").getcolors(maxcolors=192 * 192)
    assert colours is not None
    assert len(colours) > 1


def test_the_color_icon_background_is_the_accent_colour(
    color: Image.Image, make_icons: ModuleType
) -> None:
    accent = make_icons.ACCENT
    assert re.fullmatch(r"#[0-9A-F]{6}", accent)
    rgb = tuple(int(accent[i : i + 2], 16) for i in (1, 3, 5))
    corners = [(0, 0), (191, 0), (0, 191), (191, 191)]
    assert all(color.convert("RGB").getpixel(xy) == rgb for xy in corners)


def test_the_outline_icon_is_32_square_with_an_alpha_channel(outline: Image.Image) -> None:
    assert outline.size == (32, 32)
    assert "A" in outline.getbands()


def test_every_outline_pixel_is_transparent_or_pure_white(outline: Image.Image) -> None:
    data = outline.convert("RGBA").tobytes()
    pixels = [tuple(data[i : i + 4]) for i in range(0, len(data), 4)]
    wrong = [p for p in pixels if p[3] > 0 and p[:3] != (255, 255, 255)]
    assert wrong == []


def test_the_outline_symbol_is_neither_empty_nor_a_filled_square(outline: Image.Image) -> None:
    alpha = outline.getchannel("A")
    visible = sum(1 for a in alpha.tobytes() if a > 0)
    assert 0.10 <= visible / (32 * 32) <= 0.70
    assert alpha.getbbox() is not None
    left, top, right, bottom = alpha.getbbox()
    assert left >= 1
    assert top >= 1
    assert right <= 31
    assert bottom <= 31


def test_the_committed_icons_are_what_the_script_draws(
    make_icons: ModuleType, tmp_path: Path
) -> None:
    color_path, outline_path = make_icons.write_icons(tmp_path)
    for drawn_path, committed_path in ((color_path, COLOR), (outline_path, OUTLINE)):
        drawn, committed = _open(drawn_path), _open(committed_path)
        assert (drawn.mode, drawn.size) == (committed.mode, committed.size), committed_path.name
        assert drawn.tobytes() == committed.tobytes(), (
            f"{committed_path.name} differs from what manifest/make_icons.py draws: "
            "run it and commit the result"
        )
