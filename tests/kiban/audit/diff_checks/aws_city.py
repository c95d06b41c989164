"""A kiban city on AWS by hand: one VPC per area with its route table, for the route and peering checks."""

from __future__ import annotations

from typing import Any

from tests.kiban.audit.builders import Export, kiban_city

VPC = "aws:ec2/vpc:Vpc"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
CIDRS = {"secure": "10.10.0.0/16", "office": "10.20.0.0/16", "portal": "10.30.0.0/16"}


class AwsCity:
    def __init__(self, flows: list[dict[str, Any]] | None = None) -> None:
        self.export = Export()
        self.areas = kiban_city(self.export, flows)
        self.vpcs = {
            area: self.export.add(VPC, f"{area}-vpc", {"cidrBlock": cidr}, parent=self.areas[area])
            for area, cidr in CIDRS.items()
        }
        self.tables = {
            area: self.export.add(
                ROUTE_TABLE,
                f"{area}-routes",
                {"vpcId": self.export.id_of(vpc)},
                parent=self.areas[area],
                depends={"vpcId": [vpc]},
            )
            for area, vpc in self.vpcs.items()
        }

    def route(self, area: str, name: str, destination: str, **target: str) -> str:
        table = self.tables[area]
        inputs = {"routeTableId": self.export.id_of(table), "destinationCidrBlock": destination, **target}
        return self.export.add(ROUTE, name, inputs, parent=self.areas[area], depends={"routeTableId": [table]})

    def peering(self, first: str, second: str) -> str:
        vpc, peer = self.vpcs[first], self.vpcs[second]
        return self.export.add(
            PEERING,
            f"{first}-{second}",
            {"vpcId": self.export.id_of(vpc), "peerVpcId": self.export.id_of(peer)},
            parent=self.areas[first],
            depends={"vpcId": [vpc], "peerVpcId": [peer]},
        )
