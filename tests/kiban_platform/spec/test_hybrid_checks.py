"""The hybrid city's rules (``spec.hybrid_checks``): each planted fault in the hybrid sample is refused at
its field, and the specs that ship with kiban stay valid and unchanged."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from kiban.cli import app
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.privacy import DataClass
from kiban_platform.spec.problems import SpecError, format_path
from tests.conftest import REPO, SAMPLE_SPEC, SpecWriter

HYBRID_SPEC = REPO / "specs" / "sample-hybrid.yaml"
MIGRATION = REPO / "specs" / "migration"
_HYBRID: dict[str, Any] = yaml.safe_load(HYBRID_SPEC.read_text(encoding="utf-8"))

Mutation = Callable[[dict[str, Any]], None]


def _problems(write_spec: SpecWriter, data: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        load_spec(write_spec(data))
    except SpecError as error:
        return [(format_path(p.path), p.message) for p in error.problems]
    return []


def _site(data: dict[str, Any], site_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(site for site in data["sites"] if site["id"] == site_id)
    return found


def _link(data: dict[str, Any], link_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(link for link in data["links"] if link["id"] == link_id)
    return found


def _flow(data: dict[str, Any], flow_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(flow for flow in data["flows"] if flow["id"] == flow_id)
    return found


def _business(data: dict[str, Any], business_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(b for b in data["businesses"] if b.get("id", b.get("catalog")) == business_id)
    return found


def _index(items: list[dict[str, Any]], item_id: str) -> int:
    return next(i for i, item in enumerate(items) if item.get("id", item.get("catalog")) == item_id)


def _flow_path(flow_id: str, *rest: str) -> str:
    return ".".join([f"flows[{_index(_HYBRID['flows'], flow_id)}]", *rest])


def _link_path(link_id: str, *rest: str) -> str:
    return ".".join([f"links[{_index(_HYBRID['links'], link_id)}]", *rest])


def _site_path(site_id: str, *rest: str) -> str:
    return ".".join([f"sites[{_index(_HYBRID['sites'], site_id)}]", *rest])


def _business_path(business_id: str, *rest: str) -> str:
    return ".".join([f"businesses[{_index(_HYBRID['businesses'], business_id)}]", *rest])


def _set(path: tuple[Any, ...], value: Any) -> Mutation:
    """A mutation that sets one field, reached by ids for lists (sites, links, flows, businesses)."""

    def mutate(data: dict[str, Any]) -> None:
        finders = {"sites": _site, "links": _link, "flows": _flow, "businesses": _business}
        node: Any = finders[path[0]](data, path[1])
        for key in path[2:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


def _add_link(**fields: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["links"].append(
            {
                "id": "extra",
                "between": ["dc1", "gc"],
                "carrier": "closed_line",
                "transport": "ipsec_vpn",
                "encryption": "ipsec",
                "areas": ["mynumber"],
                "tunnels": [{"inside_cidr": "169.254.30.0/30"}, {"inside_cidr": "169.254.30.4/30"}],
                "addresses": {"dc1": "172.16.30.1"},
                **fields,
            }
        )

    return mutate


def _extra_link_path(*rest: str) -> str:
    return ".".join([f"links[{len(_HYBRID['links'])}]", *rest])


def _lgwan_flow_to_gc(data: dict[str, Any]) -> None:
    data["flows"].append(
        {
            "id": "lgwan-to-gc",
            "from": {"business": "zaimu-kaikei", "tier": "app"},
            "to": {"middleware": "integration_hub", "area": "mynumber", "site": "gc"},
            "ports": [443],
            "purpose": "an LGWAN business calling Government Cloud",
            "data": "personal",
        }
    )


def _portal_calls_database(data: dict[str, Any]) -> None:
    _flow(data, "portal-shinsei")["to"] = {"business": "denshi-shinsei", "tier": "db"}


def _portal_calls_lgwan(data: dict[str, Any]) -> None:
    _flow(data, "portal-shinsei")["to"] = {"middleware": "integration_hub", "area": "lgwan"}
    _link(data, "portal-dc1")["areas"].append("lgwan")


def _push_to_portal(data_class: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["flows"].append(
            {
                "id": "push-to-portal",
                "from": {"middleware": "integration_hub", "area": "internet"},
                "to": {"public_service": "resident-portal"},
                "ports": [443],
                "purpose": "notices to residents",
                "data": data_class,
            }
        )

    return mutate


def _move_business_to(site: str, business: str = "zaimu-kaikei") -> Mutation:
    return _set(("businesses", business, "site"), site)


def _second_gc_site(data: dict[str, Any]) -> None:
    data["sites"].append(
        {
            "id": "gc2",
            "kind": "government_cloud",
            "target": "aws",
            "region": "ap-northeast-3",
            "areas": {"mynumber": "10.11.128.0/17"},
        }
    )


def _ambiguous_hub_end(data: dict[str, Any]) -> None:
    del _flow(data, "gc-to-dc1-renkei")["to"]["site"]


def _remove_hub_flow(data: dict[str, Any]) -> None:
    data["flows"] = [flow for flow in data["flows"] if flow["id"] != "gc-to-dc1-renkei"]


def _hub_only_at_dc1(data: dict[str, Any]) -> None:
    data["middleware"]["load_balancer"]["sites"] = ["dc1"]


# (mutation, field path that must be named, a word of the message)
CASES: dict[str, tuple[Mutation, str, str]] = {
    "site block outside the area's supernet": (
        _set(("sites", "gc", "areas", "mynumber"), "10.12.0.0/16"),
        _site_path("gc", "areas", "mynumber"),
        "outside",
    ),
    "site blocks overlap": (
        _set(("sites", "gc", "areas", "mynumber"), "10.10.128.0/17"),
        _site_path("gc", "areas", "mynumber"),
        "overlaps",
    ),
    "site carries an unknown area": (
        _set(("sites", "gc", "areas", "bogus"), "10.40.0.0/16"),
        _site_path("gc", "areas", "bogus"),
        "unknown area",
    ),
    "tunnel addresses overlap across links": (
        _add_link(tunnels=[{"inside_cidr": "169.254.10.4/30"}, {"inside_cidr": "169.254.30.4/30"}]),
        _extra_link_path("tunnels[0]", "inside_cidr"),
        "overlaps",
    ),
    "tunnel not a /30": (
        _set(("links", "dc1-gc", "tunnels", 0, "inside_cidr"), "169.254.10.0/29"),
        _link_path("dc1-gc", "tunnels[0]", "inside_cidr"),
        "/30",
    ),
    "tunnel outside 169.254.0.0/16": (
        _set(("links", "dc1-gc", "tunnels", 0, "inside_cidr"), "10.200.0.0/30"),
        _link_path("dc1-gc", "tunnels[0]", "inside_cidr"),
        "169.254.0.0/16",
    ),
    "tunnel AWS reserves": (
        _set(("links", "dc1-gc", "tunnels", 1, "inside_cidr"), "169.254.169.252/30"),
        _link_path("dc1-gc", "tunnels[1]", "inside_cidr"),
        "reserved by AWS",
    ),
    "one tunnel on an IPsec link": (
        _set(("links", "portal-dc1", "tunnels"), [{"inside_cidr": "169.254.20.0/30"}]),
        _link_path("portal-dc1", "tunnels"),
        "exactly 2",
    ),
    # Two tunnels per platform subnet the link reaches at its OpenStack end (the hub and, with the sample's
    # operations, the managers'), each tunnel naming its subnet.
    "several subnets, tunnels not naming theirs": (
        _set(
            ("links", "dc1-gc", "tunnels"),
            [{"inside_cidr": "169.254.10.0/30"}, {"inside_cidr": "169.254.10.4/30"}],
        ),
        _link_path("dc1-gc", "tunnels"),
        "reach 4 platform subnets at 'dc1' (integration_hub, monitoring, job_management, time_name)",
    ),
    "a tunnel without its subnet among named ones": (
        _set(("links", "dc1-gc", "tunnels", 3, "subnet"), None),
        _link_path("dc1-gc", "tunnels[3]", "subnet"),
        "every tunnel does",
    ),
    "a tunnel for a subnet no flow reaches": (
        _set(("links", "dc1-gc", "tunnels", 7, "subnet"), "database"),
        _link_path("dc1-gc", "tunnels[7]", "subnet"),
        "no flow of the link reaches 'database' at 'dc1'",
    ),
    "a subnet with one tunnel": (
        _set(("links", "dc1-gc", "tunnels", 7, "subnet"), "monitoring"),
        _link_path("dc1-gc", "tunnels"),
        "subnet 'time_name' at 'dc1' has 1 tunnel(s)",
    ),
    "a subnet that is no middleware role": (
        _set(("links", "dc1-gc", "tunnels", 0, "subnet"), "web"),
        _link_path("dc1-gc", "tunnels[0]", "subnet"),
        "'monitoring', 'time_name' or 'bastion' (got 'web')",
    ),
    "an address for a site the link does not join": (
        _set(("links", "dc1-gc", "addresses"), {"dc1": "172.16.10.1", "portal": "203.0.113.20"}),
        _link_path("dc1-gc", "addresses", "portal"),
        "not one of the link's sites",
    ),
    "an outside address inside an area": (
        _set(("links", "portal-dc1", "addresses"), {"dc1": "10.30.0.10"}),
        _link_path("portal-dc1", "addresses", "dc1"),
        "inside area 'internet'",
    ),
    "an IPsec link without the openstack end's address": (
        _set(("links", "dc1-gc", "addresses"), {}),
        _link_path("dc1-gc", "addresses"),
        "addresses: {dc1: <address>}",
    ),
    "an address for the aws end does not stand for the openstack end": (
        _add_link(between=["dc1", "gc"], addresses={"gc": "172.16.30.2"}),
        _extra_link_path("addresses"),
        "end at 'dc1'",
    ),
    "tunnels on an unencrypted link": (
        _set(("links", "dc1-gc", "encryption"), "macsec"),
        _link_path("dc1-gc", "tunnels"),
        "go with encryption ipsec",
    ),
    "link to an unknown site": (
        _set(("links", "dc1-gc", "between"), ["dc1", "gcx"]),
        _link_path("dc1-gc", "between[1]"),
        "unknown site",
    ),
    "link from a site to itself": (
        _set(("links", "dc1-gc", "between"), ["dc1", "dc1"]),
        _link_path("dc1-gc", "between"),
        "itself",
    ),
    "link area neither end carries": (
        _set(("links", "portal-dc1", "areas"), ["public", "internet", "mynumber-x"]),
        _link_path("portal-dc1", "areas[2]"),
        "carries area",
    ),
    "link listing an area twice": (
        _set(("links", "dc1-gc", "areas"), ["mynumber", "mynumber"]),
        _link_path("dc1-gc", "areas[1]"),
        "duplicate area",
    ),
    "link initiated by a third site": (
        _set(("links", "portal-dc1", "initiated_by"), "gc"),
        _link_path("portal-dc1", "initiated_by"),
        "not one of the link's sites",
    ),
    "Direct Connect without its dx block": (
        _set(("links", "dc1-gc", "dx"), None),
        _link_path("dc1-gc", "dx"),
        "needs dx",
    ),
    "Direct Connect between two AWS sites": (
        _add_link(
            between=["gc", "portal"],
            transport="direct_connect",
            encryption="macsec",
            tunnels=[],
            dx={"connections": [{"id": "dxcon-ffa1b2c9", "vlan": 301}], "gateway_asn": 64601},
        ),
        _extra_link_path("transport"),
        "2 aws ends",
    ),
    "duplicate link id": (
        _add_link(id="dc1-gc"),
        _extra_link_path("id"),
        "duplicate link id",
    ),
    "dx block on a VPN": (
        _set(
            ("links", "portal-dc1", "dx"),
            {"connections": [{"id": "dxcon-ffa1b2c9", "vlan": 301}], "gateway_asn": 64601},
        ),
        _link_path("portal-dc1", "dx"),
        "goes with transport direct_connect",
    ),
    "DX VLAN out of range": (
        _set(("links", "dc1-gc", "dx", "connections", 0, "vlan"), 4095),
        _link_path("dc1-gc", "dx", "connections[0]", "vlan"),
        "4094",
    ),
    "DX connection id not an AWS id": (
        _set(("links", "dc1-gc", "dx", "connections", 0, "id"), "line-1"),
        _link_path("dc1-gc", "dx", "connections[0]", "id"),
        "pattern",
    ),
    "internet link that is not a VPN": (
        _set(("links", "portal-dc1", "transport"), "direct_connect"),
        _link_path("portal-dc1", "transport"),
        "IPsec VPN",
    ),
    "VPN without IPsec": (
        _set(("links", "portal-dc1", "encryption"), "none"),
        _link_path("portal-dc1", "encryption"),
        "encrypted by IPsec",
    ),
    "my_number over an unencrypted link": (
        _set(("links", "dc1-gc", "encryption"), "none"),
        _link_path("dc1-gc", "encryption"),
        "my_number",
    ),
    "my_number over the internet": (
        _set(("links", "dc1-gc", "carrier"), "internet"),
        _link_path("dc1-gc", "carrier"),
        "my_number",
    ),
    "repeated BGP number": (
        _set(("links", "dc1-gc", "dx", "gateway_asn"), 64512),
        _link_path("dc1-gc", "dx", "gateway_asn"),
        "already",
    ),
    "Amazon-side ASN out of range": (
        _set(("sites", "gc", "asn"), 65010 + 100000),
        _site_path("gc", "asn"),
        "64512-65534",
    ),
    "ASN AWS reserves in Tokyo": (
        _set(("sites", "dc1", "asn"), 10124),
        _site_path("dc1", "asn"),
        "reserved by AWS",
    ),
    "Direct Connect end without an ASN": (
        _set(("sites", "dc1", "asn"), None),
        _link_path("dc1-gc", "between[0]"),
        "needs its asn",
    ),
    "Government Cloud outside Tokyo and Osaka": (
        _set(("sites", "gc", "region"), "us-east-1"),
        _site_path("gc", "region"),
        "ap-northeast-1 or ap-northeast-3",
    ),
    "Government Cloud on OpenStack": (
        _set(("sites", "gc", "target"), "openstack"),
        _site_path("gc", "target"),
        "built on aws",
    ),
    "aws site without a region": (
        _set(("sites", "portal", "region"), None),
        _site_path("portal", "region"),
        "needs its region",
    ),
    "public cloud with my_number ceiling": (
        _set(("sites", "portal", "ceiling"), "my_number"),
        _site_path("portal", "ceiling"),
        "never reaches a public cloud",
    ),
    "public cloud holding personal data without handling": (
        _set(("sites", "portal", "handling"), None),
        _site_path("portal", "handling"),
        "handling",
    ),
    "high area at a public cloud": (
        _set(("sites", "portal", "areas", "mynumber"), "10.11.128.0/17"),
        _site_path("portal", "areas", "mynumber"),
        "high area",
    ),
    "business at a site that lacks its area": (
        _move_business_to("gc"),
        _business_path("zaimu-kaikei", "site"),
        "does not carry area",
    ),
    "business at an unknown site": (
        _move_business_to("gc9"),
        _business_path("zaimu-kaikei", "site"),
        "unknown site",
    ),
    "business needing middleware its site lacks": (
        _hub_only_at_dc1,
        _business_path("juki", "tiers", "web"),
        "load_balancer",
    ),
    "flow between sites with no link for both areas": (
        _lgwan_flow_to_gc,
        f"flows[{len(_HYBRID['flows'])}]",
        "no link between",
    ),
    "flow without a data class": (
        _set(("flows", "kyuyo-to-zaimu", "data"), None),
        _flow_path("kyuyo-to-zaimu", "data"),
        "names the class of data",
    ),
    "data above an end's ceiling": (
        _set(("flows", "shinsei-mugaika", "data"), "special_care"),
        _flow_path("shinsei-mugaika", "data"),
        "exceeds the ceiling",
    ),
    "more than anonymized pushed to a public cloud": (
        _push_to_portal("personal"),
        f"flows[{len(_HYBRID['flows'])}].data",
        "nothing above anonymized",
    ),
    "pseudonymized data to a public cloud": (
        _push_to_portal("pseudonymized"),
        f"flows[{len(_HYBRID['flows'])}].data",
        "仮名加工情報",
    ),
    "public cloud flow that is two-way": (
        _set(("flows", "portal-shinsei", "one_way"), False),
        _flow_path("portal-shinsei", "one_way"),
        "one-way",
    ),
    "public cloud flow past the hub": (
        _portal_calls_database,
        _flow_path("portal-shinsei", "to"),
        "integration hub",
    ),
    "public cloud flow into the LGWAN area": (
        _portal_calls_lgwan,
        _flow_path("portal-shinsei", "to"),
        "internet area only",
    ),
    "public cloud flow without a basis": (
        _set(("flows", "portal-shinsei", "basis"), None),
        _flow_path("portal-shinsei", "basis"),
        "legal basis",
    ),
    "personal data to a public cloud without its 個人情報ファイル": (
        _set(("flows", "portal-shinsei", "personal_file"), None),
        _flow_path("portal-shinsei", "personal_file"),
        "個人情報ファイル",
    ),
    "flow end at a site that lacks its area": (
        _set(("flows", "gc-to-dc1-renkei", "from", "site"), "portal"),
        _flow_path("gc-to-dc1-renkei", "from", "site"),
        "does not carry area",
    ),
    "flow end whose site is ambiguous": (
        _ambiguous_hub_end,
        _flow_path("gc-to-dc1-renkei", "to", "site"),
        "several sites",
    ),
    "data set crossing sites without a hub flow": (
        _remove_hub_flow,
        _business_path("shogaisha-fukushi", "integrations", "consumes[0]"),
        "needs a declared flow",
    ),
    "public service at a site that is not a public cloud": (
        _set(("sites", "portal", "kind"), "on_prem"),
        "public_services[0].site",
        "public_cloud site",
    ),
    "a second site's block overlapping the first's": (
        _second_gc_site,
        f"sites[{len(_HYBRID['sites'])}].areas.mynumber",
        "overlaps",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_each_hybrid_rule_is_located(case: str, write_spec: SpecWriter) -> None:
    mutate, path, word = CASES[case]
    data = copy.deepcopy(_HYBRID)
    mutate(data)
    problems = _problems(write_spec, data)
    assert any(found == path and word in message for found, message in problems), problems


def test_the_hybrid_sample_and_migration_steps_are_valid() -> None:
    for file in [HYBRID_SPEC, *sorted(MIGRATION.glob("step-*.yaml"))]:
        spec = load_spec(file)
        assert [site.id for site in spec.sites] in (["dc1", "gc"], ["dc1", "gc", "portal"])


def test_step_two_is_the_hybrid_sample() -> None:
    assert load_spec(MIGRATION / "step-2.yaml") == load_spec(HYBRID_SPEC)


def test_the_hybrid_sample_moves_at_least_eight_standard_businesses_to_government_cloud() -> None:
    spec = load_spec(HYBRID_SPEC)
    at_gc = [b.id for b in spec.businesses if b.site == "gc"]
    assert len(at_gc) >= 8
    assert spec.site("gc").kind == "government_cloud" and spec.site("gc").region == "ap-northeast-1"
    kinds = {(link.transport, link.encryption, link.carrier) for link in spec.links}
    assert kinds == {("direct_connect", "ipsec", "lgwan"), ("ipsec_vpn", "ipsec", "internet")}


def test_migration_steps_move_businesses_one_way() -> None:
    at_gc = [{b.id for b in load_spec(MIGRATION / f"step-{n}.yaml").businesses if b.site == "gc"} for n in (1, 2, 3)]
    assert at_gc[0] < at_gc[1] < at_gc[2]
    assert len(at_gc[2]) == 20


def test_data_classes_are_ordered_by_sensitivity() -> None:
    order = list(DataClass)
    assert order == sorted(order)
    assert DataClass.MY_NUMBER > DataClass.PERSONAL > DataClass.PSEUDONYMIZED > DataClass.ANONYMIZED
    assert max(DataClass.PUBLIC, DataClass.SPECIAL_CARE) == DataClass.SPECIAL_CARE


def test_site_fields_need_sites(write_spec: SpecWriter, sample_data: dict[str, Any]) -> None:
    sample_data["businesses"][0]["site"] = "dc1"
    sample_data["flows"][0]["to"]["site"] = "dc1"
    problems = _problems(write_spec, sample_data)
    assert {path for path, _ in problems} == {"businesses[0].site", "flows[0].to.site"}


def test_declared_data_fits_the_areas_without_sites(write_spec: SpecWriter, sample_data: dict[str, Any]) -> None:
    sample_data["flows"][3]["data"] = "my_number"  # payroll to accounts, in the LGWAN area
    assert {path for path, _ in _problems(write_spec, sample_data)} == {"flows[3].data"}


# The fields added for the hybrid city, with the default a spec without them gets.
NEW_FIELD_DEFAULTS: dict[str, Any] = {
    "ceiling": None,
    "site": None,
    "api_gateway": False,
    "sites": None,  # on a middleware service; the top-level list is []
    "public_service": None,
    "data": None,
    "basis": None,
    "personal_file": None,
}
NEW_TOP_LEVEL: dict[str, list[Any] | None] = {"sites": [], "links": [], "public_services": [], "operations": None}


def _without_new_fields(node: Any) -> Any:
    if isinstance(node, list):
        return [_without_new_fields(item) for item in node]
    if not isinstance(node, dict):
        return node
    kept = {}
    for key, value in node.items():
        if key in NEW_FIELD_DEFAULTS:
            assert value == NEW_FIELD_DEFAULTS[key], (key, value)
            continue
        kept[key] = _without_new_fields(value)
    return kept


@pytest.mark.parametrize(
    ("spec_file", "before"),
    [
        (SAMPLE_SPEC, "sample-city.model.json"),
        (REPO / "specs" / "examples" / "sakuragaoka-city.yaml", "sakuragaoka-city.model.json"),
    ],
)
def test_specs_without_sites_load_to_the_same_model(spec_file: Path, before: str) -> None:
    """The model dump of each shipped single-site spec, taken before the hybrid fields, is unchanged."""
    dump = load_spec(spec_file).model_dump(mode="json", by_alias=True)
    for key, default in NEW_TOP_LEVEL.items():
        assert dump.pop(key) == default
    expected = json.loads((Path(__file__).parent / "data" / before).read_text(encoding="utf-8"))
    assert _without_new_fields(dump) == expected


def test_validate_command_refuses_a_planted_fault_with_exit_2(write_spec: SpecWriter) -> None:
    data = copy.deepcopy(_HYBRID)
    _set(("sites", "gc", "region"), "eu-west-1")(data)
    result = CliRunner().invoke(app, ["validate", str(write_spec(data))])
    assert result.exit_code == 2
    assert f"{_site_path('gc', 'region')}: Government Cloud" in result.output
    assert "(line " in result.output


@pytest.mark.parametrize("target", ["aws", "openstack"])
def test_validate_with_a_target_refuses_a_spec_with_sites(target: str) -> None:
    result = CliRunner().invoke(app, ["validate", str(HYBRID_SPEC), "--target", target])
    assert result.exit_code == 2
    assert "sample-hybrid.yaml: sites: this spec names the target of each of its sites" in result.output


def test_the_hybrid_specs_match_the_committed_json_schema() -> None:
    """Editors validate with docs/spec.schema.json: it knows sites, links, public services and data classes."""
    schema = json.loads((REPO / "docs" / "spec.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for file in [HYBRID_SPEC, *sorted(MIGRATION.glob("step-*.yaml"))]:
        errors = [error.message for error in validator.iter_errors(yaml.safe_load(file.read_text(encoding="utf-8")))]
        assert errors == [], file
    broken = copy.deepcopy(_HYBRID)
    _flow(broken, "portal-shinsei")["data"] = "secret"
    assert any("secret" in error.message for error in validator.iter_errors(broken))


# -- the tunnels' outside block over Direct Connect ---------------------------------------------------


@pytest.mark.parametrize(
    ("outside", "path", "message"),
    [
        (None, "links[0].dx", "IPsec over Direct Connect needs outside_cidr"),
        ("172.16.200.0/25", "links[0].dx.outside_cidr", "a Transit Gateway CIDR block is a /24 or wider"),
        ("10.10.5.0/24", "links[0].dx.outside_cidr", "overlaps area 'mynumber'"),
        ("169.254.0.0/16", "links[0].dx.outside_cidr", "link-local"),
    ],
)
def test_ipsec_over_direct_connect_names_its_outside_block(
    write_spec: SpecWriter, outside: str | None, path: str, message: str
) -> None:
    data = copy.deepcopy(_HYBRID)
    dx = _link(data, "dc1-gc")["dx"]
    if outside is None:
        del dx["outside_cidr"]
    else:
        dx["outside_cidr"] = outside
    problems = _problems(write_spec, data)
    assert any(where == path and message in text for where, text in problems), problems


def test_an_outside_block_goes_with_ipsec(write_spec: SpecWriter) -> None:
    data = copy.deepcopy(_HYBRID)
    link = _link(data, "dc1-gc")
    link["encryption"] = "macsec"
    link.pop("tunnels")
    problems = _problems(write_spec, data)
    assert any(
        where == "links[0].dx.outside_cidr" and "goes with encryption ipsec" in text for where, text in problems
    ), problems
