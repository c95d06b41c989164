"""Update or replace: each updated resource's action, and replacements that cascade through force-new references."""

from __future__ import annotations

from typing import Any

from kiban.audit.changes import Action, ChangeKind
from kiban.audit.diff import diff_states
from kiban.audit.report.actions import UNKNOWN_TEXT, action_text
from kiban.audit.state import state_from_document
from tests.kiban.audit.builders import Export, kiban_city, replicas


def city(policy: str, size: int = 10, flavor: str = "m1.small", provider: str | None = None) -> dict[str, Any]:
    export = Export()
    areas = kiban_city(export)
    members = replicas(export, areas["secure"], "juki/app", ["az1", "az2"], policy)
    for member in members:
        export.by_urn[member]["inputs"]["flavorName"] = flavor
    volume = export.add("openstack:blockstorage/volume:Volume", "data", {"size": size}, parent=areas["secure"])
    export.add(
        "openstack:compute/volumeAttach:VolumeAttach",
        "data",
        {"instanceId": export.id_of(members[0]), "volumeId": export.id_of(volume)},
        parent=areas["secure"],
    )
    export.add("openstack:dns/zone:Zone", "city", {"ttl": size}, parent=areas["secure"])
    if provider is not None:
        named = export.provider(provider, {"region": "RegionTwo"})
        export.by_urn[volume]["provider"] = named
    return export.document()


def actions(old: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]]:
    report = diff_states(state_from_document(old, "old"), state_from_document(new, "new"))
    return {
        f"{change.type.rsplit(':', 1)[1]} {change.name}": (
            (change.action or Action.UNKNOWN).value,
            change.replace_keys,
            tuple(urn.rsplit("::", 1)[1] for urn in change.replaced_because),
        )
        for change in report.changes
        if change.kind == ChangeKind.UPDATED
    }


def test_in_place_updates_and_a_type_without_force_new_facts() -> None:
    found = actions(city("anti-affinity"), city("anti-affinity", size=20, flavor="m1.large"))
    assert found == {
        "Volume data": ("update", (), ()),  # the volume grows in place
        "Instance juki-app-1": ("update", (), ()),  # a resize is in place while the old flavor exists
        "Instance juki-app-2": ("update", (), ()),
        "Zone city": ("unknown", (), ()),  # openstack:dns/zone:Zone is not in the table: it may replace
    }


def test_a_new_server_group_policy_re_creates_its_members_and_what_names_them() -> None:
    report = diff_states(
        state_from_document(city("anti-affinity"), "old"), state_from_document(city("soft-anti-affinity"), "new")
    )
    found = {
        change.name
        if change.type.endswith("Instance") or change.type.endswith("ServerGroup")
        else f"attach {change.name}": (
            change.action,
            change.replace_keys,
            tuple(urn.rsplit("::", 1)[1] for urn in change.replaced_because),
        )
        for change in report.changes
    }
    assert found == {
        "juki-app": (Action.REPLACE, ("policies",), ()),
        "juki-app-1": (Action.REPLACE, ("schedulerHints",), ("juki-app",)),
        "juki-app-2": (Action.REPLACE, ("schedulerHints",), ("juki-app",)),
        "attach data": (Action.REPLACE, ("instanceId",), ("juki-app-1",)),
    }
    attachment = next(change for change in report.changes if change.type.endswith("VolumeAttach"))
    assert attachment.properties == () and action_text(attachment) == "replace (instanceId → juki-app-1 replaced)"
    assert [(f.rule, f.message) for f in report.findings if f.rule == "KB-DIFF-REPLICAS"] == [
        ("KB-DIFF-REPLICAS", "all 2 replicas of juki/app are replaced at once (schedulerHints)")
    ]


def test_a_changed_provider_replaces() -> None:
    found = actions(city("anti-affinity"), city("anti-affinity", provider="other"))
    assert found["Volume data"] == ("replace", ("(provider)",), ())
    assert found["VolumeAttach data"] == ("replace", ("volumeId",), ("data",))


def test_the_unknown_action_says_so() -> None:
    report = diff_states(
        state_from_document(city("anti-affinity"), "old"), state_from_document(city("anti-affinity", size=20), "new")
    )
    (zone,) = [change for change in report.changes if change.type == "openstack:dns/zone:Zone"]
    assert action_text(zone) == UNKNOWN_TEXT == "update (unknown whether it replaces: no force-new facts for this type)"
