"""The Pulumi program: load the stack's spec, plan it, and export the plans.

Resources come with the components of the deploy issues; until then the program
publishes the network and flow plans as stack outputs so `pulumi preview` shows
what will be built.
"""

from __future__ import annotations

import pulumi

from kiban.reports import network_plan_json
from network.flows import plan_flows
from network.plan import plan_network
from spec.load import load_spec

config = pulumi.Config()
platform = load_spec(config.require("spec"))
network = plan_network(platform)
plan = network_plan_json(network, plan_flows(platform, network))
pulumi.export("municipality", platform.municipality.model_dump(mode="json", by_alias=True))
pulumi.export("segments", plan["segments"])
pulumi.export("rules", plan["rules"])
