"""Receipt text drawn as a 1-bit picture with Pillow and a TrueType font.

The cheap thermal printers on buses have no code page with the Kazakh
letters (ә ғ қ ң ө ұ ү һ і): CP866 and CP1251 lack them, and python-escpos
cannot encode the KZ-1048 page even where a profile lists it. A picture of
the text prints correctly on every printer that takes raster images.
Drawing on a mode "1" image uses no anti-aliasing, so the same text, font
file and Pillow version always give the same bits (golden receipt bytes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from validator.printing import Align, Rule, TextLine

__all__ = ["Fonts", "draw_lines", "load_fonts"]

MARGIN_PX = 4
_REGULAR_PX, _LARGE_PX = 22, 30
_LINE_GAP_PX = 4
_RULE_PX, _RULE_PAD_PX = 2, 6
_WHITE, _BLACK = 1, 0


@dataclass(frozen=True, slots=True)
class Fonts:
    regular: ImageFont.FreeTypeFont
    bold: ImageFont.FreeTypeFont
    large: ImageFont.FreeTypeFont

    def of(self, line: TextLine) -> ImageFont.FreeTypeFont:
        return self.large if line.large else self.bold if line.bold else self.regular


def load_fonts(regular_path: str, bold_path: str) -> Fonts:
    """Raises OSError when a font file is missing or not a font."""
    return Fonts(
        regular=ImageFont.truetype(regular_path, _REGULAR_PX),
        bold=ImageFont.truetype(bold_path, _REGULAR_PX),
        large=ImageFont.truetype(bold_path, _LARGE_PX),
    )


def draw_lines(items: Sequence[TextLine | Rule], fonts: Fonts, width: int) -> Image.Image:
    """One picture of the lines, ``width`` dots wide, black on white."""
    rows = [row for item in items for row in _rows(item, fonts, width - 2 * MARGIN_PX)]
    height = sum(_height(row, fonts) for row in rows)
    picture = Image.new("1", (width, max(height, 1)), _WHITE)
    pen = ImageDraw.Draw(picture)
    top = 0
    for row in rows:
        _draw(pen, row, fonts, top, width)
        top += _height(row, fonts)
    return picture


@dataclass(frozen=True, slots=True)
class _Row:
    """One printed row: left (or centred) text, right-hand value, or a rule."""

    line: TextLine | None
    left: str = ""
    right: str = ""


def _rows(item: TextLine | Rule, fonts: Fonts, room: int) -> list[_Row]:
    if isinstance(item, Rule):
        return [_Row(None)]
    font = fonts.of(item)
    value_room = font.getlength(item.value)
    wrapped = _wrap(item.text, font, room)
    last = wrapped[-1] if wrapped else ""
    if item.value and font.getlength(f"{last}  ") + value_room <= room:
        return [*(_Row(item, t) for t in wrapped[:-1]), _Row(item, last, item.value)]
    rows = [_Row(item, t) for t in wrapped]
    return rows + ([_Row(item, "", v) for v in _wrap(item.value, font, room)] if item.value else [])


def _wrap(text: str, font: ImageFont.FreeTypeFont, room: int) -> list[str]:
    """Greedy word wrap; a word wider than the paper is split by letters."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= room:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = _split_long(word, font, room, lines)
    return [*lines, current] if current or not lines else lines


def _split_long(word: str, font: ImageFont.FreeTypeFont, room: int, lines: list[str]) -> str:
    while font.getlength(word) > room and len(word) > 1:
        fits = (i for i in range(len(word) - 1, 1, -1) if font.getlength(word[:i]) <= room)
        cut = next(fits, 1)
        lines.append(word[:cut])
        word = word[cut:]
    return word


def _height(row: _Row, fonts: Fonts) -> int:
    if row.line is None:
        return _RULE_PX + 2 * _RULE_PAD_PX
    ascent, descent = fonts.of(row.line).getmetrics()
    return ascent + descent + _LINE_GAP_PX


def _draw(pen: ImageDraw.ImageDraw, row: _Row, fonts: Fonts, top: int, width: int) -> None:
    if row.line is None:
        y = top + _RULE_PAD_PX
        pen.rectangle((MARGIN_PX, y, width - MARGIN_PX - 1, y + _RULE_PX - 1), fill=_BLACK)
        return
    font = fonts.of(row.line)
    x = MARGIN_PX
    if row.line.align is Align.CENTER:
        x = int((width - font.getlength(row.left)) // 2)
    pen.text((x, top), row.left, font=font, fill=_BLACK)
    if row.right:
        right_x = int(width - MARGIN_PX - font.getlength(row.right))
        pen.text((right_x, top), row.right, font=font, fill=_BLACK)
