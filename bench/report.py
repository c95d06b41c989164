"""bench/report: how long `kiban report` takes to write, and the page to open in headless Chromium.

Three pages, measured in one run on one browser:
- a floor: an almost empty HTML page (what opening any file costs this browser);
- the sample city's report (specs/sample-city.yaml, about 210 VMs);
- a ~2,000-VM city: the sample scaled like bench/render.py's ``scaled_spec`` (its businesses cloned
  under new ids and slots), with areas wide enough for the clones and chassis enough to hold them.

For each: the seconds `kiban report` takes (a fresh process, as a user runs it), the file's size,
and in Chromium (tests/browser.py's harness, the window the tests use) the milliseconds from
navigation start to DOM ready, to the load event, and until the network SVG is laid out and a
frame painted. Each page is opened ``--repeat`` times; the fastest counts (the first open of a
file pays the disk cache). Target: the 2,000-VM report opens (painted) in under 10 s.

Run: .venv/bin/python bench/report.py [--repeat 3] [--vms 2000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.render import scaled_spec  # noqa: E402
from tests.browser import Browser, BrowserMissingError  # noqa: E402

SAMPLE_SPEC = REPO / "specs" / "sample-city.yaml"
KIBAN = Path(sys.executable).parent / "kiban"
TARGET_SECONDS = 10.0
SAMPLE_VMS = 210  # the sample's VMs (`kiban report`'s summary): 172 of its businesses, 38 shared
# The scaled city's areas: a /14 each (room for 200 clones' /23 segments) and 400 VLANs each.
WIDE_AREAS = {
    "high": ("10.16.0.0/14", 100, 499),
    "middle": ("10.20.0.0/14", 500, 899),
    "internet": ("10.24.0.0/14", 900, 1299),
}
FLOOR_PAGE = (
    '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>floor</title></head>'
    "<body><p>床</p></body></html>\n"
)


def business_vms(data: dict[str, Any]) -> int:
    return sum(tier["replicas"] for business in data["businesses"] for tier in business["tiers"].values())


def large_city(vms: int) -> dict[str, Any]:
    """The sample scaled to at least ``vms`` VMs: ``scaled_spec`` widened so the clones fit and can be placed."""
    # Only the businesses are cloned; the middleware and bastions stay as in the sample.
    per_copy = business_vms(scaled_spec(1))
    factor = max(1, math.ceil((vms - (SAMPLE_VMS - per_copy)) / per_copy))
    data = scaled_spec(factor)
    for area in data["areas"]:
        supernet, first, last = WIDE_AREAS[area["level"]]
        area["supernet"], area["vlans"] = supernet, {"first": first, "last": last}
    chassis = data["failure_domains"]["chassis"]
    blade = dict(chassis[0]["blades"][0])
    # The sample places 210 VMs on 16 of its 24 blades: the same share of spare blades, spread over its chassis.
    blades = math.ceil(24 * factor)
    per_chassis = math.ceil(blades / len(chassis))
    for box in chassis:
        box["blades"] = [dict(blade, id=f"{box['id']}-b{number:02d}") for number in range(1, per_chassis + 1)]
    return data


def time_kiban_report(spec: Path, out: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([str(KIBAN), "report", str(spec), "--out", str(out)], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"kiban report {spec} failed ({done.returncode}):\n{done.stderr}")
    return seconds


def open_page(browser: Browser, page: Path, repeat: int) -> dict[str, float]:
    """The fastest of ``repeat`` opens; the page must load clean (no console error, nothing fetched)."""
    best: dict[str, float] = {}
    for _ in range(repeat):
        visit = browser.visit(page, screenshots=False, pdf=False)
        if visit.errors or visit.requests_leaving:
            raise SystemExit(f"{page}: {visit.errors or visit.requests_leaving}")
        if not best or visit.timings["painted"] < best["painted"]:
            best = visit.timings
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="opens of each page; the fastest counts")
    parser.add_argument("--vms", type=int, default=2000, help="at least how many VMs the large city has")
    parser.add_argument("--keep", type=Path, help="write the pages here instead of a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiban-bench-report-") as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        large_spec = folder / "large-city.yaml"
        large = large_city(args.vms)
        large_spec.write_text(yaml.safe_dump(large, allow_unicode=True, sort_keys=False), encoding="utf-8")
        vms = SAMPLE_VMS - business_vms(scaled_spec(1)) + business_vms(large)
        floor = folder / "floor.html"
        floor.write_text(FLOOR_PAGE, encoding="utf-8")
        rows: list[tuple[str, float | None, Path]] = [("floor (empty page)", None, floor)]
        for name, spec in (("sample city", SAMPLE_SPEC), (f"scaled city ({vms} VMs)", large_spec)):
            out = folder / f"{spec.stem}.html"
            rows.append((name, time_kiban_report(spec, out), out))
        try:
            browser = Browser()
        except BrowserMissingError as missing:
            raise SystemExit(str(missing)) from None
        try:
            print(f"{'page':<28} {'kiban report s':>14} {'size MB':>8} {'DOM ms':>8} {'load ms':>8} {'painted ms':>10}")
            painted = 0.0
            for name, written, page in rows:
                timings = open_page(browser, page, args.repeat)
                seconds = "-" if written is None else f"{written:.1f}"
                size = page.stat().st_size / 1e6
                print(
                    f"{name:<28} {seconds:>14} {size:>8.2f} {timings['dom']:>8.0f} {timings['load']:>8.0f} "
                    f"{timings['painted']:>10.0f}"
                )
                painted = timings["painted"]
        finally:
            browser.close()
        verdict = "met" if painted / 1000 < TARGET_SECONDS else "MISSED"
        print(f"target: the {vms}-VM report painted in under {TARGET_SECONDS:.0f} s: {painted / 1000:.2f} s, {verdict}")


if __name__ == "__main__":
    main()
