"""The Pulumi program: load the stack's spec, plan it, build the shared platform, export the inventory.

Everything provider-specific comes from the backend named by ``kiban:target`` and
its settings in ``kiban:<target>``; see docs/OPENSTACK.md for the keys.
"""

from __future__ import annotations

from pathlib import Path

import pulumi

from kiban_platform.backends import create_backend
from kiban_platform.components import SharedPlatform, SharedPlatformArgs
from kiban_platform.network.flows import plan_flows
from kiban_platform.network.inventory import network_plan_json
from kiban_platform.network.plan import plan_network
from kiban_platform.placement.fleet import place_fleet
from kiban_platform.placement.options import placement_settings
from kiban_platform.spec.load import load_spec

config = pulumi.Config()
# A relative spec path is relative to the project folder, wherever the program is run from.
spec_file = Path(__file__).parent / config.require("spec")
spec = load_spec(spec_file)
network = plan_network(spec)
flows = plan_flows(spec, network)
# Placement (`kiban plan`) decides each VM's chassis and blade: from the stack's plan file, or planned now.
placement = place_fleet(spec, spec_file, placement_settings(config.get_object("placement")), Path(__file__).parent)
target = config.require("target")
backend = create_backend(target, config.get_object(target) or {})
platform = SharedPlatform(
    "platform",
    SharedPlatformArgs(spec, network, flows, backend, config.get_secret("databaseAdminPassword"), placement),
)

pulumi.export("inventory", platform.inventory)
plan = network_plan_json(network, flows)
pulumi.export("municipality", spec.municipality.model_dump(mode="json", by_alias=True))
pulumi.export("segments", plan["segments"])
pulumi.export("rules", plan["rules"])
