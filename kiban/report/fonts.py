"""The page's Japanese font, inside the page: Noto Sans CJK JP cut down to the characters the page uses.

A report must read the same on a machine with no Japanese font and no network, so the font travels
in the file as a base64 WOFF2 ``@font-face``. The installed font (Debian's fonts-noto-cjk) is a
20 MB collection; only the glyphs of the page's own characters are kept (fontTools' subsetter), a
few hundred kilobytes. Without the font the page falls back to a CSS font stack and says so once on
stderr: a report is never refused for a missing font.
"""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

FAMILY = "Noto Sans CJK JP"
# What a reader's machine shows instead when the font could not be embedded.
FALLBACK_STACK = (
    '"Noto Sans CJK JP", "Noto Sans JP", "Hiragino Kaku Gothic ProN", "Hiragino Sans", "Yu Gothic", Meiryo, sans-serif'
)
# Always kept, so numbers, Latin text and the report's own marks read in the embedded face.
BASE_TEXT = "".join(chr(code) for code in range(0x20, 0x7F)) + "　、。・「」（）／：×→←↔✕¥円年月■●◆▲"


@dataclass(frozen=True)
class InstalledFont:
    path: Path
    number: int  # the face's index inside a .ttc collection


def find_font(family: str = FAMILY) -> InstalledFont | None:
    """The installed file of ``family`` (fontconfig's answer), or None when fontconfig or the font is missing."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        answer = subprocess.run(
            [fc_match, "-f", "%{file}\n%{index}\n%{family}", family], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = answer.stdout.split("\n")
    if answer.returncode != 0 or len(lines) < 3 or family not in lines[2]:
        return None  # fontconfig substitutes another family for a missing one: that is not the font asked for
    path = Path(lines[0])
    return InstalledFont(path, int(lines[1] or 0)) if path.is_file() else None


def subset_woff2(font: InstalledFont, text: str) -> bytes:
    """The glyphs of ``text`` (and the base characters) from ``font`` as WOFF2 bytes; deterministic."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]  # the licence and copyright strings travel with the glyphs
    options.name_languages = ["*"]
    # recalcTimestamp off: the head table keeps the font's own date, so the same page gives the same bytes.
    # recalcBBoxes off: the bounds kept are the whole font's, a little wide for the subset and harmless, and
    # recomputing them from every CFF glyph took a fifth of the subsetting (3.8 s to 3.0 s on the sample).
    with TTFont(str(font.path), fontNumber=font.number, lazy=True, recalcTimestamp=False, recalcBBoxes=False) as face:
        subsetter = subset.Subsetter(options)
        subsetter.populate(text="".join(sorted(set(text + BASE_TEXT))))
        subsetter.subset(face)
        face.flavor = "woff2"
        buffer = io.BytesIO()
        face.save(buffer)
    return buffer.getvalue()


def font_face_css(text: str, warn: Callable[[str], None], font: InstalledFont | None = None) -> str:
    """An ``@font-face`` with the subset of the installed font as a data: URL, or "" (and one warning) without it."""
    found = font if font is not None else find_font()
    if found is None:
        warn(f"warning: font {FAMILY!r} not found (Debian: fonts-noto-cjk); the report uses the reader's own fonts")
        return ""
    try:
        data = subset_woff2(found, text)
    except Exception as error:  # fontTools raises many kinds on a damaged font file; any of them means no embedding
        warn(
            f"warning: could not embed {found.path} ({type(error).__name__}: {error}); "
            "the report uses the reader's own fonts"
        )
        return ""
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: 100 900; '
        f'src: url(data:font/woff2;base64,{encoded}) format("woff2"); }}'
    )
