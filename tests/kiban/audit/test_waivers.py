"""Waivers: loading with located problems, matching by rule and URN glob, expiry, unused waivers."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from kiban.audit.findings import Finding, Severity
from kiban.audit.waivers import Waiver, apply_waivers, load_waivers
from kiban_platform.spec.problems import SpecError

RULES = ["KB-NET-001", "KB-HA-001"]
URN = "urn:pulumi:prod::kiban::kiban:platform:SharedPlatform$kiban:network:SecurityArea$openstack:networking/secGroupRule:SecGroupRule::hub-in-ssh"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "waivers:\n"
        "  - rule: KB-NET-001\n"
        "    resource: '*::hub-in-ssh'\n"
        "    justification: 'bastion until the VPN is delivered'\n"
        "    expires: 2026-12-31\n",
    )
    assert load_waivers(path, RULES) == [
        Waiver("KB-NET-001", "*::hub-in-ssh", "bastion until the VPN is delivered", datetime.date(2026, 12, 31), 0, 2)
    ]
    assert load_waivers(write(tmp_path, ""), RULES) == []


def test_every_problem_is_located(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "waivers:\n"
        "  - rule: KB-NOPE-001\n"
        "    resource: 'x'\n"
        "    justification: why\n"
        "    expires: someday\n"
        "  - rule: KB-HA-001\n"
        "    resource: 'y'\n"
        "    reason: typo\n"
        "    expires: 2026-01-01\n",
    )
    with pytest.raises(SpecError) as caught:
        load_waivers(path, RULES)
    assert caught.value.lines() == [
        f"{path}: waivers[0].rule: unknown rule KB-NOPE-001; known: KB-HA-001, KB-NET-001 (line 2)",
        f"{path}: waivers[0].expires: 'someday' is not a date: write YYYY-MM-DD (line 5)",
        f"{path}: waivers[1].reason: unknown field; a waiver has rule, resource, justification, expires (line 8)",
        f"{path}: waivers[1].justification: missing (line 6)",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- rule: x\n", "(top level): expected a mapping with one key, waivers: a list of waivers"),
        ("waivers: {}\n", "waivers: must be a list (line 1)"),
        (
            "waivers: [\n",
            "(top level): YAML syntax error: did not find expected node content, column 1 (line 2)",
        ),
    ],
)
def test_not_a_waivers_file(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SpecError) as caught:
        load_waivers(path, RULES)
    assert caught.value.lines() == [f"{path}: {expected}"]


def test_matching_expiry_and_unused_waivers() -> None:
    failure = Finding("KB-NET-001", Severity.CRITICAL, "ssh from anywhere", URN)
    other = Finding("KB-HA-001", Severity.HIGH, "no anti-affinity", URN.replace("hub-in-ssh", "batch-1"))
    waivers = [
        Waiver("KB-NET-001", "*::hub-in-ssh", "bastion", datetime.date(2026, 6, 30), 0),
        Waiver("KB-HA-001", "*::legacy-*", "old vendor", datetime.date(2026, 12, 31), 1),
        Waiver("KB-HA-001", "*::batch-1", "expired one", datetime.date(2026, 1, 31), 2),
    ]
    on_the_last_day = apply_waivers([failure, other], waivers, datetime.date(2026, 6, 30))
    assert [(f.rule, f.severity.label, f.message, f.waiver) for f in on_the_last_day] == [
        ("KB-NET-001", "critical", "ssh from anywhere", "bastion"),
        ("KB-HA-001", "high", "no anti-affinity", None),
        ("KB-WAIVER-002", "low", "waiver 2 (KB-HA-001 *::legacy-*) matches no failure (expires 2026-12-31)", None),
        ("KB-WAIVER-001", "high", "waiver 3 (KB-HA-001 *::batch-1) expired on 2026-01-31: expired one", None),
    ]
    the_day_after = apply_waivers([failure], waivers[:1], datetime.date(2026, 7, 1))
    assert [(f.rule, f.waiver) for f in the_day_after] == [("KB-NET-001", None), ("KB-WAIVER-001", None)]


def _refused(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_bytes(content)
    with pytest.raises(SpecError) as raised:
        load_waivers(path, {"KB-HA-001"})
    assert any(expected in line for line in raised.value.lines()), raised.value.lines()


def test_an_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    lines.append("waivers: *i")
    _refused(tmp_path, "\n".join(lines).encode(), "aliases are expanded: refused")


def test_a_waivers_file_must_be_utf8(tmp_path: Path) -> None:
    _refused(tmp_path, "waivers:\n  - justification: 理由\n".encode("shift_jis"), "save the waivers file as UTF-8")


def test_a_key_written_twice_is_refused(tmp_path: Path) -> None:
    text = "waivers:\n  - rule: KB-HA-001\n    rule: KB-HA-001\n    resource: x\n    justification: y\n    expires: 2030-01-01\n"
    _refused(tmp_path, text.encode(), "waivers[0].rule: key written twice (first on line 2) (line 3)")


def test_an_impossible_date_is_located(tmp_path: Path) -> None:
    text = "waivers:\n  - rule: KB-HA-001\n    resource: x\n    justification: y\n    expires: 2026-02-30\n"
    _refused(tmp_path, text.encode(), "waivers[0].expires: '2026-02-30' is not a date: write YYYY-MM-DD (line 5)")
