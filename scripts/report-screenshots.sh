#!/usr/bin/env bash
# Write one PNG per section of the sample city's report into docs/report/ (see bench/report_screenshots.py).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python bench/report_screenshots.py "$@"
