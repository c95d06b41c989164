#!/usr/bin/env bash
# Test the CrossGuard pack in its own virtualenv (policy/.venv): pulumi-policy pins protobuf ~5.29,
# which the main environment (OR-Tools) cannot have. Calls each policy's validate directly.
set -euo pipefail
cd "$(dirname "$0")"

[ -x .venv/bin/python ] || python3 -m venv .venv
log=$(mktemp)
if ! .venv/bin/python -m pip install --quiet -r requirements-test.txt >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "policy/test.sh: pip install failed (see above)" >&2
  exit 1
fi
rm -f "$log"
# From the repository root, so `audit` and `policy` import as in the pack; -c: only this folder's tests.
cd ..
exec policy/.venv/bin/python -m pytest -c policy/tests/pytest.ini -p no:cacheprovider policy/tests "$@"
