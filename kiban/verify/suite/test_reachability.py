"""Between areas nothing passes but the declared flows; every planned rule connects, only on its port.

Across the sites of a hybrid city, each cross-site flow connects only from its `from` end, only on
its port, and nothing else crosses (``reachability.plan_cross_site_checks``).
"""

from __future__ import annotations

from kiban.verify.reachability import Check


def test_connection(check: Check, probe_outcomes: dict[str, str]) -> None:
    outcome = probe_outcomes[check.id]
    if check.expect_open:
        assert outcome == "open", check.failure(outcome)
    else:
        assert outcome != "open", check.failure(outcome)


def test_cross_site_connection(cross_site_check: Check, probe_outcomes: dict[str, str]) -> None:
    test_connection(cross_site_check, probe_outcomes)
