"""The Pulumi program: load the stack's spec, plan it, build the shared platform, export the inventory.

Everything provider-specific comes from the backend named by ``kiban:target`` and
its settings in ``kiban:<target>``; see docs/OPENSTACK.md for the keys.
"""

from __future__ import annotations

from pathlib import Path

import pulumi

from backends import create_backend
from components import SharedPlatform, SharedPlatformArgs
from kiban.reports import network_plan_json
from network.flows import plan_flows
from network.plan import plan_network
from spec.load import load_spec

config = pulumi.Config()
# A relative spec path is relative to the project folder, wherever the program is run from.
spec = load_spec(Path(__file__).parent / config.require("spec"))
network = plan_network(spec)
flows = plan_flows(spec, network)
target = config.require("target")
backend = create_backend(target, config.get_object(target) or {})
platform = SharedPlatform(
    "platform", SharedPlatformArgs(spec, network, flows, backend, config.get_secret("databaseAdminPassword"))
)

pulumi.export("inventory", platform.inventory)
plan = network_plan_json(network, flows)
pulumi.export("municipality", spec.municipality.model_dump(mode="json", by_alias=True))
pulumi.export("segments", plan["segments"])
pulumi.export("rules", plan["rules"])
