"""specs/sample-city.yaml renders exactly the resources it rendered before the hybrid city (issue 13).

A spec without sites is one implicit site: the per-site program must not move a single resource of
it. Each digest covers what Pulumi compares between deployments (URN, type, inputs, parent,
provider, dependencies) of every resource, in state order, and was recorded from a render of the
code before sites were planned (commit 369e85b). Pulumi's ``sourcePosition`` (the line a resource is
declared on) is left out: it moves with any edit of the program, and Pulumi never diffs it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

# stack -> (resources, sha256 of their canonical lines)
RECORDED = {
    "sample-city-openstack": (3471, "1d727327c597b3578e208774357efad1b5abc1ffb3e4d3421f32bde7d7365297"),
    "sample-city-aws": (6249, "c19f5bb9c82dcdecb21694338830de1a94481c26442ad344d708b2389c472984"),
}
COMPARED_KEYS = (
    "urn",
    "type",
    "custom",
    "parent",
    "provider",
    "inputs",
    "dependencies",
    "propertyDependencies",
    "protect",
)


def resources_digest(document: dict[str, Any]) -> tuple[int, str]:
    lines = [
        json.dumps({key: resource.get(key) for key in COMPARED_KEYS}, sort_keys=True, ensure_ascii=False)
        for resource in document["deployment"]["resources"]
    ]
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()


def test_the_sample_renders_the_same_resources_on_openstack(sample_openstack_state: dict[str, Any]) -> None:
    assert resources_digest(sample_openstack_state) == RECORDED["sample-city-openstack"]


def test_the_sample_renders_the_same_resources_on_aws(sample_aws_state: dict[str, Any]) -> None:
    assert resources_digest(sample_aws_state) == RECORDED["sample-city-aws"]


def test_the_digest_sees_a_changed_input(sample_openstack_state: dict[str, Any]) -> None:
    edited = json.loads(json.dumps(sample_openstack_state))
    resource = next(r for r in edited["deployment"]["resources"] if r.get("inputs"))
    resource["inputs"]["kiban-planted"] = True
    assert resources_digest(edited) != RECORDED["sample-city-openstack"]
