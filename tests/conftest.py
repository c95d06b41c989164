"""Shared fixtures: the built-in sample as plain data, and a way to write a variant of it."""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.browser import Browser, BrowserMissingError, shared_browser

REPO = Path(__file__).resolve().parent.parent
SAMPLE_SPEC = REPO / "specs" / "sample-city.yaml"
# Two data centres with their own chassis, a Government Cloud joined to both, a public cloud (issue 21).
FOUR_SITE_SPEC = REPO / "tests" / "data" / "four-site-city.yaml"

_SAMPLE_DATA: dict[str, Any] = yaml.safe_load(SAMPLE_SPEC.read_text(encoding="utf-8"))

# A two-area city small enough to reason about rule by rule: one middle area with every
# middleware role and two businesses, one high area with only its integration hub.
SMALL_CITY = """
municipality: {name: 試験市, name_en: Test City, code: "149993", class: other}
failure_domains:
  chassis:
    - {id: c1, blades: [{id: c1-b1, vcpu: 64, ram_gb: 256, disk_gb: 2000}]}
    - {id: c2, blades: [{id: c2-b1, vcpu: 64, ram_gb: 256, disk_gb: 2000}]}
areas:
  - {id: office, name: LGWAN接続系, name_en: LGWAN, level: middle, vlans: {first: 200, last: 299}, supernet: 10.20.0.0/16}
  - {id: secure, name: マイナンバー系, name_en: My Number, level: high, vlans: {first: 100, last: 199}, supernet: 10.10.0.0/16}
middleware:
  integration_hub: {product: hub, replicas: 2, areas: [office, secure], ports: [443], vcpu: 2, ram_gb: 4, disk: {tier: fast, size_gb: 20}}
  job_management: {product: jobs, replicas: 2, areas: [office], ports: [20240], vcpu: 2, ram_gb: 4, disk: {tier: fast, size_gb: 20}}
  load_balancer: {product: lb, replicas: 2, areas: [office], ports: [443], vcpu: 2, ram_gb: 4, disk: {tier: fast, size_gb: 20}}
  database: {product: db, replicas: 2, areas: [office], ports: [5432], vcpu: 2, ram_gb: 4, disk: {tier: fast, size_gb: 20}}
  time_name: {product: ntp, replicas: 2, areas: [office], ports: [123/udp], vcpu: 2, ram_gb: 4, disk: {tier: fast, size_gb: 20}}
  monitoring: {product: logs, replicas: 2, areas: [office], ports: [514/tcp], vcpu: 2, ram_gb: 4, disk: {tier: fast, size_gb: 20}}
businesses:
  - id: full
    name: 全層業務
    name_en: All tiers
    vendor: V
    area: office
    network_slot: 1
    tiers:
      web: {replicas: 2, vcpu: 2, ram_gb: 4, disk: {tier: fast, size_gb: 20}}
      app: {replicas: 2, vcpu: 2, ram_gb: 4, disk: {tier: fast, size_gb: 20}}
      db: {replicas: 2, vcpu: 2, ram_gb: 4, disk: {tier: fast, size_gb: 20}}
      batch: {replicas: 1, redundant: false, anti_affinity: false, vcpu: 2, ram_gb: 4, disk: {tier: capacity, size_gb: 20}}
    integrations: {publishes: [records]}
  - id: lean
    name: 単層業務
    name_en: App only
    vendor: V
    area: office
    network_slot: 2
    tiers:
      app: {replicas: 2, vcpu: 2, ram_gb: 4, disk: {tier: fast, size_gb: 20}}
    integrations: {consumes: [records]}
flows:
  - id: to-secure
    from: {middleware: integration_hub, area: office}
    to: {middleware: integration_hub, area: secure}
    ports: [443]
    one_way: true
    purpose: 特定通信
"""

# The small city's management section: a terminal network per area, SSH on a port of its own.
SMALL_MANAGEMENT = """
management:
  ssh_port: 2222
  operations_networks:
    - {id: ops-office, area: office, cidr: 172.16.20.0/28, purpose: 運用端末}
    - {id: ops-secure, area: secure, cidr: 172.16.10.0/28, purpose: 運用端末}
"""


SpecWriter = Callable[[dict[str, Any]], Path]


@pytest.fixture
def sample_data() -> dict[str, Any]:
    """A fresh deep copy of the sample spec as written (catalogue entries not yet expanded)."""
    return copy.deepcopy(_SAMPLE_DATA)


@pytest.fixture
def write_spec(tmp_path: Path) -> SpecWriter:
    def write(data: dict[str, Any]) -> Path:
        path = tmp_path / "city.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    return write


# The sample's stacks rendered once per test session: a render takes 10-30 s, and many modules read one.
_SAMPLE_RENDERS: dict[str, dict[str, Any]] = {}


def sample_render(stack: str) -> dict[str, Any]:
    """The state `kiban render --stack STACK` writes, rendered at most once per session (do not mutate it)."""
    if stack not in _SAMPLE_RENDERS:
        from kiban.render import PROJECT_DIR, load_stack_config, render

        _SAMPLE_RENDERS[stack] = render(load_stack_config(PROJECT_DIR, stack))
    return _SAMPLE_RENDERS[stack]


@contextlib.contextmanager
def sample_renders_cached() -> Iterator[None]:
    """Inside: ``kiban.render.render`` of an unchanged stack of this project answers from ``sample_render``.

    For tests of what the command line does around a render (`kiban render --stack`: its file, its
    summary): the render itself is the one the other modules read, made once per session. Any other
    stack, or a stack whose config a test changed, is rendered as usual.
    """
    from kiban import render as rendering

    real = rendering.render

    def cached(
        stack: Any, project_dir: Path | None = None, progress: Any = None, references: Any = None
    ) -> dict[str, Any]:
        if references:
            return real(stack, project_dir, progress, references)
        unchanged = project_dir in (None, rendering.PROJECT_DIR) and stack.stack in rendering.known_stacks(
            rendering.PROJECT_DIR
        )
        if unchanged and stack == rendering.load_stack_config(rendering.PROJECT_DIR, stack.stack):
            if stack.stack not in _SAMPLE_RENDERS:
                _SAMPLE_RENDERS[stack.stack] = real(stack, project_dir, progress)
            return _SAMPLE_RENDERS[stack.stack]
        return real(stack, project_dir, progress)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rendering, "render", cached)
        yield


@pytest.fixture(scope="session")
def sample_openstack_state() -> dict[str, Any]:
    return sample_render("sample-city-openstack")


@pytest.fixture(scope="session")
def sample_aws_state() -> dict[str, Any]:
    return sample_render("sample-city-aws")


# The hybrid sample's site stacks, in the order they go up: dc1 reads the renders of the other two.
HYBRID_STACKS = ("sample-hybrid-portal", "sample-hybrid-gc", "sample-hybrid-dc1")
_HYBRID_DIR: list[Path] = []


def hybrid_render_files() -> dict[str, Path]:
    """Each hybrid site stack rendered once per session (dc1 with --reference to the others), as files."""
    import tempfile

    from kiban.render import PROJECT_DIR, dumps_state, load_stack_config, render

    if not _HYBRID_DIR:
        _HYBRID_DIR.append(Path(tempfile.mkdtemp(prefix="kiban-hybrid-renders-")))
    folder = _HYBRID_DIR[0]
    files = {stack: folder / f"{stack}.json" for stack in HYBRID_STACKS}
    for stack, file in files.items():
        if file.exists():
            continue
        config = load_stack_config(PROJECT_DIR, stack)
        peers = json.loads(config.config.get(f"{config.project}:siteStacks", "{}"))
        references = {name: files[name] for name in peers.values()}
        document = render(config, references=references)
        _SAMPLE_RENDERS[stack] = document
        file.write_text(dumps_state(document), encoding="utf-8")
    return files


@pytest.fixture(scope="session")
def hybrid_states() -> dict[str, dict[str, Any]]:
    """The hybrid sample's site renders by site id (dc1, gc, portal); do not mutate them."""
    files = hybrid_render_files()
    return {stack.removeprefix("sample-hybrid-"): _SAMPLE_RENDERS[stack] for stack in files}


@pytest.fixture(scope="session")
def browser() -> Browser:
    """The session's headless Chromium (tests/browser.py); a missing chromium or chromedriver fails the test."""
    try:
        return shared_browser()
    except BrowserMissingError as missing:
        pytest.fail(str(missing), pytrace=False)
