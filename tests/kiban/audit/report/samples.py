"""One diff and one audit of the small city, with a secret changed, to render in every format."""

from __future__ import annotations

import datetime

from kiban.audit.diff import DiffReport, diff_states
from kiban.audit.engine import AuditReport, run_audit
from kiban.audit.state import state_from_document
from kiban.audit.waivers import Waiver
from tests.conftest import SMALL_CITY
from tests.kiban.audit.builders import INSTANCE, RULE, find, plaintext, rendered

PASSWORD = "correct horse battery staple"


def edited() -> dict[str, object]:
    document = rendered(SMALL_CITY)
    find(document, RULE, "integration-hub-secure-in-integration-hub-office-tcp443")["inputs"]["remoteIpPrefix"] = (
        "0.0.0.0/0"
    )
    find(document, INSTANCE, "lean-app-1")["inputs"]["adminPass"] = plaintext(PASSWORD)
    find(document, INSTANCE, "lean-app-2")["inputs"]["availabilityZone"] = "c1"
    return document


def diff_report() -> DiffReport:
    return diff_states(state_from_document(rendered(SMALL_CITY), "old.json"), state_from_document(edited(), "new.json"))


def audit_report() -> AuditReport:
    waiver = Waiver(
        "KB-HA-002", "*::lean-app-1", "chassis c2 is being replaced | until June", datetime.date(2026, 6, 30), 0
    )
    unused = Waiver("KB-ENC-001", "*", "no AWS yet", datetime.date(2026, 12, 31), 1)
    return run_audit(state_from_document(edited(), "new.json"), [waiver, unused], today=datetime.date(2026, 6, 1))
