"""Open a local HTML page in headless Chromium, as a person would, and keep what a person would notice.

One Chromium per test session (``shared_browser``), driven by Selenium through Debian's chromedriver.
A visit (``Browser.visit``) returns the console's messages, every request the page made (from the
DevTools performance log, so a request the page only tried is counted too), the text on the page, a
PNG of each ``<section>`` (its whole height, not just what fits in the window) and the page printed
to PDF on A4. Requests to other hosts never leave the machine: the browser resolves no host name, so
a page that asks for one is seen asking, and fails, without any traffic.

When Debian's ``chromium`` or ``chromium-driver`` is missing the caller is told which and how to
install it (``BrowserMissingError``); the tests turn that into a failure, never a skip.
"""

from __future__ import annotations

import atexit
import base64
import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# The window every visit uses: wide enough for the report's tables, so screenshots are the same each run.
WINDOW = (1400, 1000)
A4_CM = (21.0, 29.7)
# Only these may appear among a page's requests: the file itself, and what is inside it.
LOCAL_SCHEMES = ("data:",)


PAINT_PROBE = """
window.addEventListener('load', () => {
  const svg = document.querySelector('#network svg') || document.querySelector('svg');
  if (svg) { svg.getBBox(); }
  requestAnimationFrame(() => requestAnimationFrame(() => { window.__kibanPainted = performance.now(); }));
});
"""


class BrowserMissingError(RuntimeError):
    """Chromium or chromedriver is not installed where the tests look for it."""


@dataclass(frozen=True)
class ConsoleMessage:
    level: str  # SEVERE, WARNING, INFO, DEBUG
    source: str  # console-api, network, security, javascript, ...
    text: str


@dataclass(frozen=True)
class PageVisit:
    """What one page showed: its console, its requests, its text, its pictures and its print."""

    url: str
    console: tuple[ConsoleMessage, ...]
    requests: tuple[str, ...]
    text: str
    sections: dict[str, bytes] = field(default_factory=dict)  # section id (or its index) -> PNG
    tables: dict[str, list[list[list[str]]]] = field(default_factory=dict)  # section id -> tables -> rows -> cells
    pdf: bytes = b""
    timings: dict[str, float] = field(default_factory=dict)  # milliseconds from navigation start

    @property
    def errors(self) -> list[ConsoleMessage]:
        """Console errors, and warnings from the browser itself (a refused resource, a CSP violation)."""
        return [
            message
            for message in self.console
            if message.level == "SEVERE" or (message.level == "WARNING" and message.source != "console-api")
        ]

    @property
    def requests_leaving(self) -> list[str]:
        """Requests for anything but the page's own file and what is inlined in it."""
        return [url for url in self.requests if url != self.url and not url.startswith(LOCAL_SCHEMES)]


def require_browser() -> None:
    """Raise ``BrowserMissingError`` naming what to install when Chromium or its driver is absent."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        raise BrowserMissingError(
            f"{' and '.join(missing)} not found: the report's browser tests need Debian's chromium and "
            "chromium-driver (./scripts/setup.sh installs them; or apt-get install chromium chromium-driver)"
        )
    if shutil.which("fc-match") is None:
        raise BrowserMissingError("fc-match not found: Chromium needs fontconfig and fonts-noto-cjk for Japanese text")


class Browser:
    """One headless Chromium; ``visit`` a page as often as needed, ``close`` it once."""

    def __init__(self) -> None:
        require_browser()
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for argument in (
            "--headless=new",
            "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
            "--disable-gpu",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--lang=ja-JP",
            # No host name resolves: a page asking for one shows up in the log, and nothing leaves.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--disable-sync",
        ):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver: Any = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
        self._closed = False
        # Timed inside the page, not across the driver's round trips: at the load event, ask for the
        # network SVG's layout, then note the time two animation frames later (a frame painted with it).
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PAINT_PROBE})

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.driver.quit()

    def _drain_logs(self) -> None:
        self.driver.get_log("browser")
        self.driver.get_log("performance")

    def visit(self, page: Path, *, screenshots: bool = True, pdf: bool = True, restyle: str = "") -> PageVisit:
        """Open ``page`` (a local file), wait for its load event, and collect what it showed.

        ``restyle``: CSS added to the page after it loaded, before the screenshots (e.g. to fit a wide picture).
        """
        url = page.resolve().as_uri()
        self.driver.get("about:blank")
        self._drain_logs()
        self.driver.get(url)
        timings = self.timings()
        console = tuple(
            ConsoleMessage(str(entry.get("level", "")), str(entry.get("source", "")), str(entry.get("message", "")))
            for entry in self.driver.get_log("browser")
        )
        requests = tuple(self._requests())
        text = str(self.driver.execute_script("return document.body ? document.body.innerText : ''"))
        tables = self.section_tables()
        if restyle:
            self.driver.execute_script(
                "const style = document.createElement('style'); style.textContent = arguments[0];"
                "document.head.appendChild(style);",
                restyle,
            )
        sections = self.section_screenshots() if screenshots else {}
        printed = self.print_pdf() if pdf else b""
        return PageVisit(url, console, requests, text, sections, tables, printed, timings)

    def _requests(self) -> Iterator[str]:
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                yield str(message["params"]["request"]["url"])

    def timings(self) -> dict[str, float]:
        """Milliseconds from navigation start: DOM ready, load event, and the network SVG laid out and painted."""
        navigation = self.driver.execute_script(
            "const n = performance.getEntriesByType('navigation')[0];"
            "return n ? {dom: n.domContentLoadedEventEnd, load: n.loadEventEnd} : {};"
        )
        laid_out = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "const wait = () => window.__kibanPainted === undefined ? setTimeout(wait, 10) : done(window.__kibanPainted);"
            "wait();"
        )
        figures = {key: float(value) for key, value in dict(navigation).items()}
        figures["painted"] = float(laid_out)
        return figures

    def section_tables(self) -> dict[str, list[list[list[str]]]]:
        """The text of every table cell as shown, by section, table, row."""
        found = self.driver.execute_script(
            "const out = {};"
            "document.querySelectorAll('section').forEach((s, i) => {"
            "  out[s.id || String(i)] = Array.from(s.querySelectorAll('table')).map(t =>"
            "    Array.from(t.rows).map(r => Array.from(r.cells).map(c => c.innerText.trim())));"
            "});"
            "return out;"
        )
        return {str(key): value for key, value in dict(found).items()}

    def section_screenshots(self) -> dict[str, bytes]:
        """A PNG of each ``<section>`` at its full size (beyond the window where it is taller)."""
        boxes = self.driver.execute_script(
            "return Array.from(document.querySelectorAll('section')).map((s, i) => {"
            "  const r = s.getBoundingClientRect();"
            "  return {id: s.id || String(i), x: r.left + window.scrollX, y: r.top + window.scrollY,"
            "          width: r.width, height: r.height};"
            "});"
        )
        pictures: dict[str, bytes] = {}
        for box in boxes:
            if box["width"] < 1 or box["height"] < 1:
                continue
            clip = {key: box[key] for key in ("x", "y", "width", "height")} | {"scale": 1}
            shot = self.driver.execute_cdp_cmd(
                "Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True}
            )
            pictures[str(box["id"])] = base64.b64decode(shot["data"])
        return pictures

    def print_pdf(self) -> bytes:
        from selenium.webdriver.common.print_page_options import PrintOptions

        options = PrintOptions()
        options.page_width, options.page_height = A4_CM
        options.background = True
        return base64.b64decode(self.driver.print_page(options))


_SHARED: list[Browser] = []


def shared_browser() -> Browser:
    """The test session's one Chromium (started on first use, closed when the process ends)."""
    if not _SHARED:
        browser = Browser()
        _SHARED.append(browser)
        atexit.register(browser.close)
    return _SHARED[0]


def png_size(png: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return (int(image.width), int(image.height))


def blank_reason(png: bytes, *, least_drawn: float = 0.005) -> str | None:
    """Why the picture looks blank (one colour, or almost nothing off the background), or None when it does not.

    The background is the commonest colour; ``least_drawn`` is the share of pixels that must differ from it.
    """
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        pixels = image.convert("RGB")
        total = pixels.width * pixels.height
        if total == 0:
            return "the picture has no pixels"
        colours = pixels.getcolors(maxcolors=total)
    assert colours is not None  # maxcolors = every pixel, so Pillow always counts them
    if len(colours) < 2:
        return f"one colour only ({colours[0][1]})"
    background_count, background = max(colours)
    drawn = 1 - background_count / total
    if drawn < least_drawn:
        return (
            f"{drawn:.2%} of the pixels differ from the background {background} (at least {least_drawn:.1%} expected)"
        )
    return None
