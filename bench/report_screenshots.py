"""Screenshots of the sample city's report, one PNG per section, for the docs (docs/report/<section>.png).

`kiban report specs/sample-city.yaml` is written to a temporary file and opened in headless Chromium
(tests/browser.py's harness and window); each ``<section>`` is captured at its full width. The
network picture is fitted to the page's width (as it is when printed) so the whole city shows; a
section taller than ``--max-height`` pixels is cut there (the business sheets go on for metres).
Each PNG is reduced to 256 colours and, if still over ``--max-kb``, scaled down until it fits.

Run: .venv/bin/python bench/report_screenshots.py [--out docs/report] (or scripts/report-screenshots.sh)
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from tests.browser import Browser, BrowserMissingError, blank_reason  # noqa: E402

SAMPLE_SPEC = REPO / "specs" / "sample-city.yaml"
KIBAN = Path(sys.executable).parent / "kiban"
FIT_PICTURE = ".picture svg { max-width: 100%; height: auto; }"


def compact_png(png: bytes, max_height: int, max_bytes: int) -> bytes:
    """The screenshot cut to ``max_height``, in 256 colours, scaled down until it is at most ``max_bytes``."""
    with Image.open(io.BytesIO(png)) as opened:
        image = opened.convert("RGB")
    if image.height > max_height:
        image = image.crop((0, 0, image.width, max_height))
    while True:
        buffer = io.BytesIO()
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(buffer, format="PNG", optimize=True)
        if buffer.tell() <= max_bytes or image.width < 400:
            return buffer.getvalue()
        image = image.resize((image.width * 4 // 5, image.height * 4 // 5), Image.Resampling.LANCZOS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "report", help="folder for the PNGs")
    parser.add_argument("--max-height", type=int, default=1800, help="cut taller sections at this many pixels")
    parser.add_argument("--max-kb", type=int, default=300, help="largest PNG, in kilobytes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiban-screenshots-") as folder:
        page = Path(folder) / "report.html"
        done = subprocess.run(
            [str(KIBAN), "report", str(SAMPLE_SPEC), "--out", str(page), "--quiet"], capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"kiban report failed ({done.returncode}):\n{done.stderr}")
        try:
            browser = Browser()
        except BrowserMissingError as missing:
            raise SystemExit(str(missing)) from None
        try:
            visit = browser.visit(page, pdf=False, restyle=FIT_PICTURE)
        finally:
            browser.close()
    if visit.errors or visit.requests_leaving:
        raise SystemExit(f"the report did not load clean: {visit.errors or visit.requests_leaving}")
    args.out.mkdir(parents=True, exist_ok=True)
    for section, png in visit.sections.items():
        if blank_reason(png) is not None:
            raise SystemExit(f"section {section} looks blank: {blank_reason(png)}")
        small = compact_png(png, args.max_height, args.max_kb * 1024)
        target = args.out / f"{section}.png"
        target.write_bytes(small)
        with Image.open(io.BytesIO(small)) as image:
            print(
                f"{target.relative_to(REPO) if target.is_relative_to(REPO) else target}: "
                f"{image.width}x{image.height}, {len(small) / 1024:.0f} KB"
            )


if __name__ == "__main__":
    main()
