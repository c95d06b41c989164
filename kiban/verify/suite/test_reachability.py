"""Between areas nothing passes but the declared flows; every planned rule connects, only on its port."""

from __future__ import annotations

from kiban.verify.reachability import Check


def test_connection(check: Check, probe_outcomes: dict[str, str]) -> None:
    outcome = probe_outcomes[check.id]
    if check.expect_open:
        assert outcome == "open", check.failure(outcome)
    else:
        assert outcome != "open", check.failure(outcome)
