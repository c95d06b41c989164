"""`kiban inventory A.json B.json ...`: several site stacks of one city make one Ansible inventory.

Each site's state here is the inventory its stack publishes (``site_inventory.hybrid_inventory`` on the
site's view), built without a render; one slow test merges the three real site renders.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from kiban.cli import app
from kiban.lab.session import platform_inventory
from kiban.verify.hostvars import expanded, plan_vars
from kiban.verify.inventory import ansible_inventory
from kiban.verify.schema import ansible_inventory_problems
from kiban_platform.network.flows import plan_flows
from kiban_platform.network.hosts import plan_hosts
from kiban_platform.network.inventory import build_inventory
from kiban_platform.network.plan import plan_network
from kiban_platform.network.site_inventory import hybrid_inventory
from kiban_platform.network.sites import site_view
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import PlatformSpec
from tests.conftest import HYBRID_STACKS, REPO, SMALL_CITY, hybrid_render_files

HYBRID = load_spec(REPO / "specs" / "sample-hybrid.yaml")
ANSIBLE_INVENTORY = Path(sys.executable).parent / "ansible-inventory"
runner = CliRunner()


def site_inventory(site_id: str, spec: PlatformSpec = HYBRID) -> dict[str, Any]:
    """A site stack's inventory: its view's, with the hybrid keys, as the program publishes it."""
    site = spec.site(site_id)
    view = site_view(spec, site_id)
    network = plan_network(view)
    hosts = plan_hosts(view, network, zonal_subnets=site.target.value == "aws")
    document = build_inventory(view, network, plan_flows(view, network), hosts, site.target.value)
    return hybrid_inventory(spec, site_id, document)


DOCUMENTS = {site.id: site_inventory(site.id) for site in HYBRID.sites}


def _state(folder: Path, name: str, document: dict[str, Any]) -> Path:
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"inventory": document}, ensure_ascii=False), encoding="utf-8")
    return path


def _inventory(*states: Path, out: Path) -> Any:
    return runner.invoke(app, ["inventory", *map(str, states), "--out", str(out)])


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("states")
    states = [_state(folder, site, document) for site, document in DOCUMENTS.items()]
    out = folder / "hosts.yaml"
    result = _inventory(*states, out=out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}: 224 hosts at 3 sites (dc1, gc, portal), ")
    document: dict[str, Any] = yaml.safe_load(out.read_text(encoding="utf-8"))
    return document


def test_every_host_of_every_site_is_named_with_its_site(merged: dict[str, Any]) -> None:
    hosts = merged["all"]["hosts"]
    expected = [f"{host['name']}.{site}" for site, document in DOCUMENTS.items() for host in document["hosts"]]
    assert list(hosts) == expected
    # The same stack name at two sites: two hosts, each at its own site's address.
    dc1, gc = hosts["integration-hub-mynumber-1.dc1"], hosts["integration-hub-mynumber-1.gc"]
    assert (dc1["kiban_site"], gc["kiban_site"]) == ("dc1", "gc")
    assert dc1["kiban_name"] == gc["kiban_name"] == "integration-hub-mynumber-1"
    assert dc1["ansible_host"].startswith("10.10.") and gc["ansible_host"].startswith("10.11.")
    connection = expanded(merged)["all"]["hosts"]["integration-hub-mynumber-1.gc"]
    assert connection["ansible_ssh_common_args"] == f"-o ProxyJump=kiban-ops@{gc['kiban_bastion']}:22"
    assert set(merged["all"]["children"]["via_bastion_mynumber_1_gc"]["hosts"]) == {
        f"{h['name']}.gc" for h in DOCUMENTS["gc"]["hosts"] if h["area"] == "mynumber" and h["role"] != "bastion"
    }
    assert gc["kiban_bastion"].startswith("10.11."), "a host jumps through its own site's bastion"


def test_hosts_are_grouped_by_site_besides_area_role_and_business(merged: dict[str, Any]) -> None:
    children = merged["all"]["children"]
    assert set(children["site_gc"]["hosts"]) == {f"{h['name']}.gc" for h in DOCUMENTS["gc"]["hosts"]}
    assert set(children["site_dc1"]["hosts"]) == {f"{h['name']}.dc1" for h in DOCUMENTS["dc1"]["hosts"]}
    assert children["site_portal"]["hosts"] == {}
    assert {"juki-app-1.gc", "shugaku-app-1.dc1"} <= set(children["area_mynumber"]["hosts"])
    assert "juki-app-1.gc" in children["business_juki"]["hosts"]
    assert {"bastion-mynumber-1.dc1", "bastion-mynumber-1.gc"} <= set(children["role_bastion"]["hosts"])


def test_the_plan_carries_every_site_once(merged: dict[str, Any]) -> None:
    children, city = merged["all"]["children"], plan_vars(merged)
    assert all("vars" not in children[f"site_{site}"] for site in DOCUMENTS), "Ansible would copy it to every host"
    assert children["kiban_plan"]["hosts"] == {}
    for site, document in DOCUMENTS.items():
        assert [r for r in city["kiban_flows"] if r["site"] == site] == [r | {"site": site} for r in document["flows"]]
        assert city["kiban_management_by_site"][site] == document["management"]
    assert len(city["kiban_flows"]) == sum(len(d["flows"]) for d in DOCUMENTS.values())
    assert [area["site"] for area in city["kiban_areas"]] == ["dc1", "dc1", "dc1", "gc", "portal"]
    assert city["kiban_management"]["bastions"]["mynumber"] == (
        DOCUMENTS["dc1"]["management"]["bastions"]["mynumber"] + DOCUMENTS["gc"]["management"]["bastions"]["mynumber"]
    )
    assert [site["id"] for site in city["kiban_sites"]] == ["dc1", "gc", "portal"]
    assert "kiban_site" not in city
    assert ansible_inventory_problems(merged) == [], "kiban verify reads it"


def test_one_site_state_keeps_its_names_and_gains_its_site() -> None:
    written = ansible_inventory(DOCUMENTS["gc"])["all"]
    assert written["hosts"]["juki-app-1"]["kiban_site"] == "gc"
    assert set(written["children"]["site_gc"]["hosts"]) == {host["name"] for host in DOCUMENTS["gc"]["hosts"]}
    assert plan_vars({"all": written})["kiban_site"] == "gc"
    assert [site["id"] for site in plan_vars({"all": written})["kiban_sites"]] == ["dc1", "gc", "portal"]
    assert plan_vars({"all": written})["kiban_spec_digest"] == DOCUMENTS["gc"]["spec_digest"]


def test_a_state_without_sites_is_written_exactly_as_before(tmp_path: Path) -> None:
    spec = tmp_path / "small.yaml"
    spec.write_text(SMALL_CITY, encoding="utf-8")
    document = platform_inventory(spec)
    written = ansible_inventory(document)["all"]
    assert list(written["children"]["kiban_plan"]["vars"]) == ["kiban_areas", "kiban_flows", "kiban_management"]
    assert not any(name.startswith("site_") for name in written["children"])
    assert not any("kiban_site" in facts or "kiban_name" in facts for facts in written["hosts"].values())
    out = tmp_path / "hosts.yaml"
    result = _inventory(_state(tmp_path, "state", document), out=out)
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(out.read_text(encoding="utf-8")) == ansible_inventory(document)
    assert json.loads(out.read_text(encoding="utf-8")) == ansible_inventory(document), "JSON: Ansible reads it fast"


def _refused(tmp_path: Path, documents: dict[str, dict[str, Any]]) -> tuple[str, Path]:
    states = [_state(tmp_path, name, document) for name, document in documents.items()]
    out = tmp_path / "hosts.yaml"
    result = _inventory(*states, out=out)
    assert result.exit_code == 2, result.stdout
    assert "Traceback" not in result.output
    assert not out.exists(), "nothing half-written"
    return result.stderr, tmp_path


def test_states_of_two_cities_are_refused(tmp_path: Path) -> None:
    other = {**DOCUMENTS["gc"], "municipality": "131016"}
    stderr, folder = _refused(tmp_path, {"dc1": DOCUMENTS["dc1"], "gc": other})
    assert f"{folder / 'gc.json'}: inventory.municipality: city 131016, but {folder / 'dc1.json'} is city 149993" in (
        stderr
    )


def test_two_states_of_one_site_are_refused(tmp_path: Path) -> None:
    stderr, folder = _refused(tmp_path, {"first": DOCUMENTS["gc"], "again": DOCUMENTS["gc"]})
    assert f"{folder / 'again.json'}: inventory.site: site gc again (also {folder / 'first.json'})" in stderr


def test_a_whole_city_state_does_not_merge_with_site_states(tmp_path: Path) -> None:
    whole = {key: value for key, value in DOCUMENTS["dc1"].items() if key != "site"}
    stderr, folder = _refused(tmp_path, {"gc": DOCUMENTS["gc"], "city": whole})
    assert f"{folder / 'city.json'}: inventory.site: no site: only the states of a spec with sites" in stderr


def _next_version(tmp_path: Path) -> PlatformSpec:
    """The sample in another version: 選挙人名簿管理 (senkyo) back from gc at dc1, the first site."""
    text = (REPO / "specs" / "sample-hybrid.yaml").read_text(encoding="utf-8")
    at_gc = "  - catalog: senkyo\n    site: gc\n"
    assert at_gc in text
    spec = tmp_path / "next.yaml"
    spec.write_text(text.replace(at_gc, "  - catalog: senkyo\n"), encoding="utf-8")
    return load_spec(spec)


def test_states_of_two_versions_of_the_spec_are_refused(tmp_path: Path) -> None:
    # dc1 deployed from the next version, gc still from this one: the moved business would be at both sites.
    later = site_inventory("dc1", _next_version(tmp_path))
    moved = {h["business"] for h in later["hosts"]} - {h["business"] for h in DOCUMENTS["dc1"]["hosts"]}
    assert len(moved) == 1 and moved <= {h["business"] for h in DOCUMENTS["gc"]["hosts"]}
    stderr, folder = _refused(tmp_path, {"gc": DOCUMENTS["gc"], "dc1": later})
    assert f"{folder / 'dc1.json'}: inventory.spec_digest: planned from spec {later['spec_digest']}, but " in stderr
    assert f"but {folder / 'gc.json'} from spec {DOCUMENTS['gc']['spec_digest']}" in stderr


def test_states_written_before_the_spec_digest_are_compared_by_the_city_they_describe(tmp_path: Path) -> None:
    def undigested(document: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in document.items() if key != "spec_digest"}

    later = undigested(site_inventory("dc1", _next_version(tmp_path)))
    stderr, folder = _refused(tmp_path, {"gc": undigested(DOCUMENTS["gc"]), "dc1": later})
    assert (
        f"{folder / 'dc1.json'}: inventory.business_sites: the city's business_sites differ from those in "
        f"{folder / 'gc.json'}: the states come from different versions of the spec"
    ) in stderr


def test_the_same_states_in_any_order_make_the_same_bytes(tmp_path: Path) -> None:
    states = [_state(tmp_path, site, document) for site, document in DOCUMENTS.items()]
    written = set()
    for order in itertools.permutations(states):
        out = tmp_path / "hosts.yaml"
        assert _inventory(*order, out=out).exit_code == 0
        written.add(out.read_bytes())
    assert len(written) == 1


def test_refusals_do_not_depend_on_the_order_of_the_states(tmp_path: Path) -> None:
    other = {**DOCUMENTS["gc"], "municipality": "131016"}
    states = [_state(tmp_path, "dc1", DOCUMENTS["dc1"]), _state(tmp_path, "gc", other)]
    for order in (states, states[::-1]):
        result = _inventory(*order, out=tmp_path / "hosts.yaml")
        assert result.exit_code == 2
        assert "inventory.municipality: city " in result.stderr
        assert "dc1.json" in result.stderr and "gc.json" in result.stderr


def test_a_missing_state_among_several_exits_2(tmp_path: Path) -> None:
    result = _inventory(_state(tmp_path, "gc", DOCUMENTS["gc"]), tmp_path / "none.json", out=tmp_path / "x.yaml")
    assert result.exit_code == 2
    assert "none.json: (top level): file not found" in result.stderr
    assert not (tmp_path / "x.yaml").exists()


def _trimmed(document: dict[str, Any]) -> dict[str, Any]:
    """A few hosts and rules of a site: Ansible reads the whole sample's merged inventory in seconds."""
    hosts = [h for h in document["hosts"] if h["name"].startswith(("integration-hub-mynumber", "bastion-mynumber"))]
    return {**document, "hosts": hosts, "flows": document["flows"][:3]}


@pytest.mark.skipif(not ANSIBLE_INVENTORY.exists(), reason="ansible-core is not installed in this environment")
def test_ansible_reaches_each_host_through_its_own_sites_bastion(tmp_path: Path) -> None:
    trimmed = {site: _trimmed(DOCUMENTS[site]) for site in ("dc1", "gc")}
    out = tmp_path / "hosts.yaml"
    assert _inventory(*(_state(tmp_path, s, d) for s, d in trimmed.items()), out=out).exit_code == 0
    listed = subprocess.run(
        [str(ANSIBLE_INVENTORY), "-i", str(out), "--list"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "ANSIBLE_VERBOSITY": "0", "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible")},
    )
    hostvars = json.loads(listed.stdout)["_meta"]["hostvars"]
    assert len(hostvars) == 8
    for site in ("dc1", "gc"):
        facts = hostvars[f"integration-hub-mynumber-1.{site}"]
        assert facts["kiban_site"] == site
        bastion = trimmed[site]["management"]["bastions"]["mynumber"][0]
        assert facts["ansible_ssh_common_args"] == f"-o ProxyJump=kiban-ops@{bastion}:22"
        assert "ansible_ssh_common_args" not in hostvars[f"bastion-mynumber-1.{site}"]
        assert "kiban_flows" not in facts, "the plan is kiban's, not a copy per host"


@pytest.mark.slow  # the three site renders
def test_the_three_site_renders_of_the_sample_make_one_inventory(tmp_path: Path) -> None:
    files = hybrid_render_files()
    out = tmp_path / "hosts.yaml"
    result = _inventory(*(files[stack] for stack in HYBRID_STACKS), out=out)
    assert result.exit_code == 0, result.stderr
    written = yaml.safe_load(out.read_text(encoding="utf-8"))["all"]
    assert set(written["hosts"]) == {f"{h['name']}.{s}" for s, d in DOCUMENTS.items() for h in d["hosts"]}
    assert {facts["kiban_site"] for facts in written["hosts"].values()} == {"dc1", "gc"}
    plan = plan_vars({"all": written})
    assert plan["kiban_spec_digest"] == DOCUMENTS["dc1"]["spec_digest"], "every site rendered from this spec"
    assert [flow["flow"] for flow in plan["kiban_cross_site_flows"]] == [
        "gc-to-dc1-renkei",
        "portal-shinsei",
        "ops-monitoring-gc-mynumber",
        "ops-jobs-gc-mynumber",
        "ops-logs-gc-mynumber",
        "ops-time-name-gc-mynumber",
    ]
    # The operations planes travel with the city's facts, so the suite names each relay's flow.
    assert set(plan["kiban_operations"]) == {"monitoring", "job_management", "logs", "time_name"}
    assert {"site_dc1", "site_gc", "site_portal"} <= set(written["children"])
    assert ansible_inventory_problems({"all": written}) == []
