"""`kiban validate`: exit 0 for the sample, exit 2 and `FILE: field.path: message` for each class of bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from kiban.cli import app
from tests.conftest import SAMPLE_SPEC, SpecWriter
from tests.kiban_platform.backends.test_site_checks import TESTERS_CASES

runner = CliRunner()

Mutation = Callable[[dict[str, Any]], None]


def _business(data: dict[str, Any], business_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(b for b in data["businesses"] if b.get("id", b.get("catalog")) == business_id)
    return found


def _set_unknown_key(data: dict[str, Any]) -> None:
    data["businesses"][3]["colour"] = "blue"


def _misspell_vendor(data: dict[str, Any]) -> None:
    business = data["businesses"][20]
    business["vendr"] = business.pop("vendor")


def _replicas_as_text(data: dict[str, Any]) -> None:
    _business(data, "zaimu-kaikei")["tiers"]["app"]["replicas"] = "three"


def _vlan_too_high(data: dict[str, Any]) -> None:
    data["areas"][0]["vlans"]["last"] = 5000


def _vlan_zero(data: dict[str, Any]) -> None:
    data["areas"][2]["vlans"]["first"] = 0


def _vlan_reused(data: dict[str, Any]) -> None:
    data["areas"][1]["vlans"] = {"first": 150, "last": 260}


def _supernets_overlap(data: dict[str, Any]) -> None:
    data["areas"][1]["supernet"] = "10.10.128.0/17"


def _supernet_too_small(data: dict[str, Any]) -> None:
    data["areas"][2]["supernet"] = "10.30.0.0/20"  # 4 segments: slot 24 does not fit


def _tier_prefix_too_short(data: dict[str, Any]) -> None:
    data["areas"][0]["tier_prefix"] = 23


def _tier_subnet_too_small(data: dict[str, Any]) -> None:
    data["areas"][0]["tier_prefix"] = 29  # 3 usable addresses: 3 app replicas and a VIP do not fit


def _unknown_area(data: dict[str, Any]) -> None:
    _business(data, "zaimu-kaikei")["area"] = "lgwann"


def _unknown_middleware_area(data: dict[str, Any]) -> None:
    data["middleware"]["monitoring"]["areas"].append("dmz")


def _unknown_flow_business(data: dict[str, Any]) -> None:
    data["flows"][3]["from"]["business"] = "kyuyo"


def _flow_to_missing_tier(data: dict[str, Any]) -> None:
    data["flows"][3]["from"]["tier"] = "db"  # jinji-kyuyo has no db tier


def _flow_to_absent_middleware(data: dict[str, Any]) -> None:
    data["flows"][2]["to"] = {"middleware": "database", "area": "internet"}


def _flow_to_unknown_role(data: dict[str, Any]) -> None:
    data["flows"][2]["to"]["middleware"] = "hubb"


def _duplicate_business_id(data: dict[str, Any]) -> None:
    _business(data, "jinji-kyuyo")["id"] = "zaimu-kaikei"


def _duplicate_flow_id(data: dict[str, Any]) -> None:
    data["flows"][1]["id"] = data["flows"][0]["id"]


def _duplicate_slot(data: dict[str, Any]) -> None:
    _business(data, "bunsho-kanri")["network_slot"] = 1  # juki's catalogue slot


def _high_to_internet(data: dict[str, Any]) -> None:
    data["flows"].append(
        {
            "id": "leak",
            "from": {"middleware": "integration_hub", "area": "mynumber"},
            "to": {"middleware": "integration_hub", "area": "internet"},
            "ports": ["443/tcp"],
            "purpose": "must be refused",
        }
    )


def _internet_to_high(data: dict[str, Any]) -> None:
    data["flows"].append(
        {
            "id": "inbound",
            "from": {"business": "denshi-shinsei", "tier": "app"},
            "to": {"middleware": "integration_hub", "area": "mynumber"},
            "ports": [443],
            "purpose": "must be refused",
        }
    )


def _into_high_two_way(data: dict[str, Any]) -> None:
    data["flows"][0]["one_way"] = False


def _into_high_not_through_hub(data: dict[str, Any]) -> None:
    data["flows"][0]["to"] = {"business": "kojin-juminzei", "tier": "app"}


def _out_of_high_not_from_hub(data: dict[str, Any]) -> None:
    data["flows"].append(
        {
            "id": "juki-out",
            "from": {"business": "juki", "tier": "app"},
            "to": {"middleware": "integration_hub", "area": "lgwan"},
            "ports": [443],
            "purpose": "must be refused",
        }
    )


def _anti_affinity_beyond_chassis(data: dict[str, Any]) -> None:
    data["businesses"][0]["tiers"] = {"app": {"replicas": 4}}


def _redundant_single_replica(data: dict[str, Any]) -> None:
    _business(data, "zaimu-kaikei")["tiers"]["web"]["replicas"] = 1


def _vm_larger_than_blades(data: dict[str, Any]) -> None:
    _business(data, "zaimu-kaikei")["tiers"]["db"]["ram_gb"] = 1024


def _middleware_larger_than_blades(data: dict[str, Any]) -> None:
    data["middleware"]["database"]["vcpu"] = 128


def _unknown_catalogue_entry(data: dict[str, Any]) -> None:
    data["businesses"][0]["catalog"] = "jukki"


def _wrong_check_digit(data: dict[str, Any]) -> None:
    data["municipality"]["code"] = "149990"


def _unknown_class(data: dict[str, Any]) -> None:
    data["municipality"]["class"] = "町"


def _unpublished_dataset(data: dict[str, Any]) -> None:
    _business(data, "bunsho-kanri")["integrations"]["consumes"] = ["gikai-joho"]


def _cross_area_dataset_without_flow(data: dict[str, Any]) -> None:
    _business(data, "bunsho-kanri")["integrations"]["consumes"] = ["kazei-joho"]


def _batch_without_job_manager(data: dict[str, Any]) -> None:
    data["middleware"]["job_management"]["areas"] = ["mynumber"]


def _external_inside_platform(data: dict[str, Any]) -> None:
    data["flows"][0]["from"]["cidr"] = "10.20.1.0/26"


def _catalogue_area_ambiguous(data: dict[str, Any]) -> None:
    data["areas"][1]["level"] = "high"
    data["areas"][1]["name"] = "第二マイナンバー系"


def _capitalised_id(data: dict[str, Any]) -> None:
    _business(data, "zaimu-kaikei")["id"] = "Zaimu"


def _missing_required(data: dict[str, Any]) -> None:
    del _business(data, "zaimu-kaikei")["network_slot"]


def _operations_network_in_an_area(data: dict[str, Any]) -> None:
    data["management"]["operations_networks"][0]["cidr"] = "10.10.250.0/28"


def _operations_network_too_wide(data: dict[str, Any]) -> None:
    data["management"]["operations_networks"][2]["cidr"] = "172.16.0.0/16"


CASES: list[tuple[str, Mutation, str, str]] = [
    ("unknown key", _set_unknown_key, "businesses[3].colour", "unknown key 'colour'"),
    ("unknown key, suggestion", _misspell_vendor, "businesses[20].vendr", "did you mean 'vendor'?"),
    ("missing field", _missing_required, "businesses[20].network_slot", "required field is missing"),
    ("malformed id", _capitalised_id, "businesses[20].id", "an id is 2-32 lower-case letters"),
    ("wrong type", _replicas_as_text, "businesses[20].tiers.app.replicas", "expected a whole number"),
    ("VLAN above 4094", _vlan_too_high, "areas[0].vlans.last", "less than or equal to 4094"),
    ("VLAN zero", _vlan_zero, "areas[2].vlans.first", "greater than or equal to 1"),
    ("VLAN reused", _vlan_reused, "areas[1].vlans", "reuse IDs of area 'mynumber'"),
    ("supernets overlap", _supernets_overlap, "areas[1].supernet", "overlaps 10.10.0.0/16"),
    ("supernet too small", _supernet_too_small, "businesses[23].network_slot", "does not fit area 'internet'"),
    ("tier prefix too short", _tier_prefix_too_short, "areas[0].tier_prefix", "do not fit a /22 segment"),
    ("tier subnet too small", _tier_subnet_too_small, "businesses[0].tiers.app.replicas", "do not fit a /29"),
    ("unknown area", _unknown_area, "businesses[20].area", "unknown area 'lgwann'"),
    ("unknown middleware area", _unknown_middleware_area, "middleware.monitoring.areas[3]", "unknown area 'dmz'"),
    ("unknown business in flow", _unknown_flow_business, "flows[3].from.business", "unknown business 'kyuyo'"),
    ("missing tier in flow", _flow_to_missing_tier, "flows[3].from.tier", "has no db tier"),
    ("absent middleware in flow", _flow_to_absent_middleware, "flows[2].to.middleware", "no database in area"),
    ("unknown middleware role", _flow_to_unknown_role, "flows[2].to.middleware", "'integration_hub'"),
    ("duplicate business id", _duplicate_business_id, "businesses[21].id", "duplicate business id"),
    ("duplicate flow id", _duplicate_flow_id, "flows[1].id", "duplicate flow id"),
    ("duplicate network slot", _duplicate_slot, "businesses[22].network_slot", "duplicate network slot 1"),
    ("high to internet", _high_to_internet, "flows[4]", "forbidden by the three-layer separation"),
    ("internet to high", _internet_to_high, "flows[4]", "forbidden by the three-layer separation"),
    ("into high two-way", _into_high_two_way, "flows[0].one_way", "must be one-way"),
    ("into high not via hub", _into_high_not_through_hub, "flows[0].to", "must end at its integration_hub"),
    ("out of high not via hub", _out_of_high_not_from_hub, "flows[4].from", "must start at its integration_hub"),
    (
        "anti-affinity beyond chassis",
        _anti_affinity_beyond_chassis,
        "businesses[0].tiers.app.replicas",
        "need 4 chassis",
    ),
    ("redundant single replica", _redundant_single_replica, "businesses[20].tiers.web.replicas", "at least 2"),
    ("VM larger than blades", _vm_larger_than_blades, "businesses[20].tiers.db.ram_gb", "larger than every blade"),
    ("middleware too large", _middleware_larger_than_blades, "middleware.database.vcpu", "larger than every blade"),
    ("unknown catalogue entry", _unknown_catalogue_entry, "businesses[0].catalog", "unknown catalogue entry 'jukki'"),
    ("check digit", _wrong_check_digit, "municipality.code", "check digit of 149990 should be 3"),
    ("unknown municipality class", _unknown_class, "municipality.class", "'政令市'"),
    ("unpublished data set", _unpublished_dataset, "businesses[22].integrations.consumes[0]", "no business publishes"),
    (
        "cross-area data set without flow",
        _cross_area_dataset_without_flow,
        "businesses[22].integrations.consumes[0]",
        "needs a declared one-way flow",
    ),
    ("batch without job manager", _batch_without_job_manager, "businesses[20].tiers.batch", "job_management"),
    ("external inside platform", _external_inside_platform, "flows[0].from.cidr", "overlaps area 'lgwan'"),
    ("catalogue area ambiguous", _catalogue_area_ambiguous, "businesses[0].area", "has several (mynumber, lgwan)"),
    (
        "operations network in an area",
        _operations_network_in_an_area,
        "management.operations_networks[0].cidr",
        "overlaps area 'mynumber'",
    ),
    (
        "operations network too wide",
        _operations_network_too_wide,
        "management.operations_networks[2].cidr",
        "wider than /24",
    ),
]


def _validate(path: Path | str) -> tuple[int, str]:
    result = runner.invoke(app, ["validate", str(path)])
    return result.exit_code, result.stderr


def test_sample_is_valid() -> None:
    result = runner.invoke(app, ["validate", str(SAMPLE_SPEC)])
    assert result.exit_code == 0, result.stderr
    assert "valid" in result.stdout
    assert "24 businesses" in result.stdout


@pytest.mark.parametrize(("mutate", "field_path", "message"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_bad_input_exits_2_naming_the_field(
    sample_data: dict[str, Any], write_spec: SpecWriter, mutate: Mutation, field_path: str, message: str
) -> None:
    mutate(sample_data)
    path = write_spec(sample_data)
    code, stderr = _validate(path)
    assert code == 2, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.startswith(f"{path}: {field_path}: ")]
    assert lines, f"no problem reported at {field_path}:\n{stderr}"
    assert any(message in line for line in lines), f"{message!r} not in {lines}"


def test_every_problem_is_one_line_with_file_and_path(sample_data: dict[str, Any], write_spec: SpecWriter) -> None:
    _vlan_reused(sample_data)
    _unknown_area(sample_data)
    _redundant_single_replica(sample_data)
    path = write_spec(sample_data)
    code, stderr = _validate(path)
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 3
    assert all(line.startswith(f"{path}: ") for line in lines)
    assert all("(line " in line for line in lines), "each problem points at its source line"


def test_missing_file_exits_2(tmp_path: Path) -> None:
    code, stderr = _validate(tmp_path / "nowhere.yaml")
    assert code == 2
    assert stderr.strip() == f"{tmp_path / 'nowhere.yaml'}: (top level): file not found"


def test_yaml_syntax_error_gives_line_number(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("version: 1\nmunicipality:\n  name: [unclosed\nareas: []\n", encoding="utf-8")
    code, stderr = _validate(path)
    assert code == 2
    assert "YAML syntax error" in stderr
    assert "(line 4)" in stderr


def test_key_written_twice_is_reported(tmp_path: Path) -> None:
    text = SAMPLE_SPEC.read_text(encoding="utf-8").replace("version: 1\n", "version: 1\nversion: 1\n", 1)
    path = tmp_path / "twice.yaml"
    path.write_text(text, encoding="utf-8")
    code, stderr = _validate(path)
    assert code == 2
    assert f"{path}: version: key written twice (first on line" in stderr


def test_empty_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    code, stderr = _validate(path)
    assert code == 2
    assert "the file is empty" in stderr


def test_directory_instead_of_file_exits_2(tmp_path: Path) -> None:
    code, stderr = _validate(tmp_path)
    assert code == 2
    assert "is a directory" in stderr


def test_validation_failure_writes_nothing_to_stdout(sample_data: dict[str, Any], write_spec: SpecWriter) -> None:
    _vlan_reused(sample_data)
    result = runner.invoke(app, ["validate", str(write_spec(sample_data))])
    assert result.exit_code == 2
    assert result.stdout == ""


# -- external networks into the high area --------------------------------------------------------


WIDE_SOURCES = [
    # The example; the address checks refuse it too (it holds 0.0.0.0/8), at the same field.
    ("half the internet", 0, "0.0.0.0/1", "0.0.0.0/1"),
    ("an eighth of the internet", 0, "64.0.0.0/3", "is wider than /24"),
    ("a /23", 1, "198.51.100.0/23", "is wider than /24"),
]


@pytest.mark.parametrize(("flow", "cidr", "message"), [c[1:] for c in WIDE_SOURCES], ids=[c[0] for c in WIDE_SOURCES])
def test_wide_external_source_into_the_high_area_is_refused(
    sample_data: dict[str, Any], write_spec: SpecWriter, flow: int, cidr: str, message: str
) -> None:
    sample_data["flows"][flow]["from"]["cidr"] = cidr
    path = write_spec(sample_data)
    code, stderr = _validate(path)
    assert code == 2
    lines = [line for line in stderr.splitlines() if line.startswith(f"{path}: flows[{flow}].from.cidr: ")]
    assert any(message in line for line in lines), stderr
    assert all("(line " in line for line in lines)
    if "wider" in message:
        assert any("approved_wide" in line for line in lines)


def test_a_slash_24_into_the_high_area_needs_no_approval(sample_data: dict[str, Any], write_spec: SpecWriter) -> None:
    sample_data["flows"][1]["from"]["cidr"] = "198.51.100.0/24"
    code, stderr = _validate(write_spec(sample_data))
    assert code == 0, stderr


def test_an_approved_wide_source_is_accepted(sample_data: dict[str, Any], write_spec: SpecWriter) -> None:
    sample_data["flows"][1]["from"]["cidr"] = "198.51.96.0/20"
    sample_data["flows"][1]["from"]["approved_wide"] = {
        "approved_by": "CISO (最高情報セキュリティ責任者)",
        "reason": "マイナポータル publishes its gateway range as one /20",
    }
    code, stderr = _validate(write_spec(sample_data))
    assert code == 0, stderr


def test_an_approval_must_say_who_and_why(sample_data: dict[str, Any], write_spec: SpecWriter) -> None:
    sample_data["flows"][1]["from"]["cidr"] = "198.51.96.0/20"
    sample_data["flows"][1]["from"]["approved_wide"] = {"approved_by": "CISO"}
    path = write_spec(sample_data)
    code, stderr = _validate(path)
    assert code == 2
    assert f"{path}: flows[1].from.approved_wide.reason: " in stderr


def test_a_wide_network_into_a_middle_area_is_not_limited(sample_data: dict[str, Any], write_spec: SpecWriter) -> None:
    sample_data["flows"].append(
        {
            "id": "lgwan-in",
            "from": {"external": "LGWAN", "area": "lgwan", "cidr": "172.16.0.0/12"},
            "to": {"middleware": "integration_hub", "area": "lgwan"},
            "ports": [443],
            "purpose": "LGWAN-ASP services into the LGWAN area",
        }
    )
    code, stderr = _validate(write_spec(sample_data))
    assert code == 0, stderr


# -- --target: the target's own checks --------------------------------------------------------------


def _chassis(data: dict[str, Any], index: int) -> dict[str, Any]:
    chassis: dict[str, Any] = data["failure_domains"]["chassis"][index]
    return chassis


def _zone_blocks_too_small(data: dict[str, Any]) -> None:
    # /27 tier subnets cut in four blocks for three zones: /29, smaller than AWS's /28.
    data["areas"][0]["tier_prefix"] = 27


def _platform_blocks_too_small(data: dict[str, Any]) -> None:
    data["areas"][1]["segment_prefix"] = 24
    data["areas"][1]["tier_prefix"] = 26


def _vpc_too_large(data: dict[str, Any]) -> None:
    data["areas"][2]["supernet"] = "100.64.0.0/10"


def _zone_not_in_tokyo(data: dict[str, Any]) -> None:
    _chassis(data, 0)["cloud_zone"] = "ap-northeast-1b"


def _zones_in_two_regions(data: dict[str, Any]) -> None:
    _chassis(data, 1)["cloud_zone"] = "ap-northeast-3a"


def _region_outside_japan(data: dict[str, Any]) -> None:
    for index, letter in enumerate("abc"):
        _chassis(data, index)["cloud_zone"] = f"us-east-1{letter}"


def _zone_missing(data: dict[str, Any]) -> None:
    del _chassis(data, 2)["cloud_zone"]


def _zone_shared(data: dict[str, Any]) -> None:
    _chassis(data, 1)["cloud_zone"] = _chassis(data, 0)["cloud_zone"]


def _zone_malformed(data: dict[str, Any]) -> None:
    _chassis(data, 2)["cloud_zone"] = "tokyo-d"


def _big_blades(data: dict[str, Any]) -> None:
    for chassis in data["failure_domains"]["chassis"]:
        for blade in chassis["blades"]:
            blade.update(vcpu=256, ram_gb=4096)


def _too_many_vcpus_for_ec2(data: dict[str, Any]) -> None:
    _big_blades(data)
    _business(data, "zaimu-kaikei")["tiers"]["db"].update(vcpu=200, ram_gb=400)


def _too_much_memory_for_ec2(data: dict[str, Any]) -> None:
    _big_blades(data)
    data["middleware"]["database"].update(vcpu=8, ram_gb=2048)


def _zone_with_a_colon(data: dict[str, Any]) -> None:
    _chassis(data, 0)["availability_zone"] = "dc1:ch1"


def _aggregate_twice(data: dict[str, Any]) -> None:
    _chassis(data, 1)["host_aggregate"] = _chassis(data, 0)["host_aggregate"]


def _aggregate_with_trailing_space(data: dict[str, Any]) -> None:
    _chassis(data, 2)["host_aggregate"] = "dc1-ch3-hosts "


TARGET_CASES: list[tuple[str, str, Mutation, str, str]] = [
    ("zone blocks too small", "aws", _zone_blocks_too_small, "areas[0].tier_prefix", "AWS subnets are /28"),
    ("platform blocks too small", "aws", _platform_blocks_too_small, "areas[1].segment_prefix", "gives /29"),
    ("VPC too large", "aws", _vpc_too_large, "areas[2].supernet", "a VPC CIDR is /16 to /28"),
    (
        "zone not in Tokyo",
        "aws",
        _zone_not_in_tokyo,
        "failure_domains.chassis[0].cloud_zone",
        "'ap-northeast-1b' is not an availability zone of ap-northeast-1",
    ),
    (
        "zones in two regions",
        "aws",
        _zones_in_two_regions,
        "failure_domains.chassis[1].cloud_zone",
        "is not in region ap-northeast-1",
    ),
    (
        "region outside Japan",
        "aws",
        _region_outside_japan,
        "failure_domains.chassis[0].cloud_zone",
        "not an allowed region",
    ),
    ("zone missing", "aws", _zone_missing, "failure_domains.chassis[2].cloud_zone", "has no availability zone"),
    ("zone shared", "aws", _zone_shared, "failure_domains.chassis[1].cloud_zone", "same availability zone"),
    ("zone malformed", "aws", _zone_malformed, "failure_domains.chassis[2].cloud_zone", "availability-zone name"),
    (
        "no instance type for the vCPUs",
        "aws",
        _too_many_vcpus_for_ec2,
        "businesses[20].tiers.db.vcpu",
        "no c7i/m7i/r7i instance type fits 200x400",
    ),
    (
        "no instance type for the memory",
        "aws",
        _too_much_memory_for_ec2,
        "middleware.database.ram_gb",
        "no c7i/m7i/r7i instance type fits 8x2048",
    ),
    (
        "zone name with a colon",
        "openstack",
        _zone_with_a_colon,
        "failure_domains.chassis[0].availability_zone",
        "has a ':'",
    ),
    (
        "aggregate twice",
        "openstack",
        _aggregate_twice,
        "failure_domains.chassis[1].host_aggregate",
        "Nova refuses a second aggregate",
    ),
    (
        "aggregate with whitespace",
        "openstack",
        _aggregate_with_trailing_space,
        "failure_domains.chassis[2].host_aggregate",
        "ends with whitespace",
    ),
]


JOB_MANAGER_REPLICAS = "    replicas: 2\n    areas: [mynumber, lgwan]\n    ports: [20240/tcp]"
YAML_11_TRAPS = [
    (
        "octal peak month",
        "    peak_months: [7]  #",
        "    peak_months: [010]  #",
        "businesses[1].peak_months[0]",
        "'010'",
    ),
    (
        "hex replicas",
        JOB_MANAGER_REPLICAS,
        JOB_MANAGER_REPLICAS.replace("2", "0x10", 1),
        "middleware.job_management.replicas",
        "'0x10'",
    ),
    (
        "on as replicas",
        JOB_MANAGER_REPLICAS,
        JOB_MANAGER_REPLICAS.replace("2", "on", 1),
        "middleware.job_management.replicas",
        "'on'",
    ),
    (
        "quoted number",
        JOB_MANAGER_REPLICAS,
        JOB_MANAGER_REPLICAS.replace("2", '"2"', 1),
        "middleware.job_management.replicas",
        "'2'",
    ),
    (
        "yes as a boolean",
        "    one_way: true\n    purpose: 特定通信 - eLTAX",
        "    one_way: yes\n    purpose: 特定通信 - eLTAX",
        "flows[0].one_way",
        "'yes'",
    ),
]


@pytest.mark.parametrize("target", ["aws", "openstack"])
def test_sample_fits_each_target(target: str) -> None:
    result = runner.invoke(app, ["validate", str(SAMPLE_SPEC), "--target", target])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith(f"; fits target {target}")


@pytest.mark.parametrize(
    ("target", "mutate", "field_path", "message"), [case[1:] for case in TARGET_CASES], ids=[c[0] for c in TARGET_CASES]
)
def test_target_checks_exit_2_naming_the_field(
    sample_data: dict[str, Any], write_spec: SpecWriter, target: str, mutate: Mutation, field_path: str, message: str
) -> None:
    mutate(sample_data)
    path = write_spec(sample_data)
    assert _validate(path)[0] == 0, "the spec itself is valid: only the target refuses it"
    result = runner.invoke(app, ["validate", str(path), "--target", target])
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.startswith(f"{path}: {field_path}: ")]
    assert lines, f"no problem reported at {field_path}:\n{result.stderr}"
    assert any(message in line and "(line " in line for line in lines), f"{message!r} not in {lines}"


def test_each_target_checks_only_its_own_rules(sample_data: dict[str, Any], write_spec: SpecWriter) -> None:
    _zone_not_in_tokyo(sample_data)
    _aggregate_twice(sample_data)
    path = write_spec(sample_data)
    aws = runner.invoke(app, ["validate", str(path), "--target", "aws"])
    openstack = runner.invoke(app, ["validate", str(path), "--target", "openstack"])
    assert "cloud_zone" in aws.stderr and "host_aggregate" not in aws.stderr
    assert "host_aggregate" in openstack.stderr and "cloud_zone" not in openstack.stderr


def test_an_unknown_target_exits_2() -> None:
    result = runner.invoke(app, ["validate", str(SAMPLE_SPEC), "--target", "vsphere"])
    assert result.exit_code == 2
    assert "unknown target 'vsphere'" in result.stderr and "known targets: aws, openstack" in result.stderr


def _edited_sample_problems(tmp_path: Path, old: str, new: str, field_path: str) -> list[str]:
    """Validate the sample with one text edit; exit 2 with no traceback, and the lines naming ``field_path``."""
    text = SAMPLE_SPEC.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "city.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    code, stderr = _validate(path)
    assert code == 2 and "Traceback" not in stderr
    return [line for line in stderr.splitlines() if line.startswith(f"{path}: {field_path}: ")]


@pytest.mark.parametrize(
    ("case", "old", "new", "field_path", "shown"), YAML_11_TRAPS, ids=[c[0] for c in YAML_11_TRAPS]
)
def test_yaml_1_1_numbers_and_booleans_are_refused(
    tmp_path: Path, case: str, old: str, new: str, field_path: str, shown: str
) -> None:
    (line,) = _edited_sample_problems(tmp_path, old, new, field_path)
    assert f"got the text {shown}: kiban reads YAML 1.2" in line


SPECIAL_NETWORKS = [
    ("loopback supernet", "supernet: 10.10.0.0/16", "supernet: 127.0.0.0/16", "areas[0].supernet", "loopback"),
    ("multicast supernet", "supernet: 10.10.0.0/16", "supernet: 239.10.0.0/16", "areas[0].supernet", "multicast"),
    ("link-local supernet", "supernet: 10.10.0.0/16", "supernet: 169.254.0.0/16", "areas[0].supernet", "link-local"),
    ("reserved supernet", "supernet: 10.10.0.0/16", "supernet: 250.0.0.0/16", "areas[0].supernet", "reserved"),
    ("external half the internet", "cidr: 192.0.2.0/26}", "cidr: 0.0.0.0/1}", "flows[0].from.cidr", "'this network'"),
    ("external loopback", "cidr: 192.0.2.0/26}", "cidr: 127.0.0.1/32}", "flows[0].from.cidr", "loopback"),
]


@pytest.mark.parametrize(
    ("case", "old", "new", "field_path", "rule"), SPECIAL_NETWORKS, ids=[c[0] for c in SPECIAL_NETWORKS]
)
def test_networks_must_be_routable_unicast(
    tmp_path: Path, case: str, old: str, new: str, field_path: str, rule: str
) -> None:
    lines = _edited_sample_problems(tmp_path, old, new, field_path)
    assert lines and rule in lines[0], lines


# -- a spec with sites: every site's target checks (issue 21) ---------------------------------------------------

OSAKA_SPEC = Path(__file__).parent.parent / "kiban_platform" / "backends" / "data" / "osaka-hybrid.yaml"


@pytest.mark.parametrize(
    ("spec", "sites"),
    [
        (
            SAMPLE_SPEC.parent / "sample-hybrid.yaml",
            "dc1: openstack, gc: aws ap-northeast-1, portal: aws ap-northeast-1",
        ),
        (OSAKA_SPEC, "dc1: openstack, gc: aws ap-northeast-3, portal: aws ap-northeast-1"),
    ],
    ids=["sample-hybrid", "osaka"],
)
def test_a_spec_with_sites_fits_every_sites_target(spec: Path, sites: str) -> None:
    result = runner.invoke(app, ["validate", str(spec)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith(f"; every site fits its target ({sites})")


@pytest.mark.parametrize("case", list(TESTERS_CASES), ids=list(TESTERS_CASES))
def test_what_a_site_cannot_render_exits_2_located_in_the_spec(write_spec: SpecWriter, case: str) -> None:
    change, expected = TESTERS_CASES[case]
    data = yaml.safe_load((SAMPLE_SPEC.parent / "sample-hybrid.yaml").read_text(encoding="utf-8"))
    change(data)
    path = write_spec(data)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and result.stdout == "" and "Traceback" not in result.stderr
    line = _line_of(path, "- id: dc1-gc")
    assert result.stderr.splitlines() == [f"{path}: {where}: {message} (line {line})" for where, message in expected]


def _line_of(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)
