"""The mock runtime harness: engine-shaped URNs, deterministic ids, and refusing what the engine refuses."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from kiban.mock_runtime import RecordingMonitor, make_urn, mock_id, run_program


def test_urn_of_a_top_level_resource_has_no_stack_prefix() -> None:
    stack = make_urn("dev", "kiban", "", "pulumi:pulumi:Stack", "kiban-dev")
    assert stack == "urn:pulumi:dev::kiban::pulumi:pulumi:Stack::kiban-dev"
    top = make_urn("dev", "kiban", stack, "kiban:platform:SharedPlatform", "platform")
    assert top == "urn:pulumi:dev::kiban::kiban:platform:SharedPlatform::platform"


def test_urn_of_a_nested_resource_carries_the_whole_type_chain() -> None:
    area = "urn:pulumi:dev::kiban::kiban:platform:SharedPlatform$kiban:network:SecurityArea::secure"
    urn = make_urn("dev", "kiban", area, "openstack:networking/network:Network", "secure-platform")
    assert urn == (
        "urn:pulumi:dev::kiban::kiban:platform:SharedPlatform$kiban:network:SecurityArea"
        "$openstack:networking/network:Network::secure-platform"
    )


def test_ids_are_derived_from_urns() -> None:
    assert mock_id("urn:a") == mock_id("urn:a") != mock_id("urn:b")


def _program(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "__main__.py"
    path.write_text("import pulumi\n" + body, encoding="utf-8")
    return path


def test_records_parent_dependencies_and_stack_outputs(tmp_path: Path) -> None:
    program = _program(
        tmp_path,
        "parent = pulumi.ComponentResource('test:index:Group', 'group')\n"
        "first = pulumi.CustomResource('test:index:Thing', 'first', {'size': 1}, "
        "opts=pulumi.ResourceOptions(parent=parent))\n"
        "second = pulumi.CustomResource('test:index:Thing', 'second', {'other': first.id}, "
        "opts=pulumi.ResourceOptions(parent=parent))\n"
        "pulumi.export('answer', {'value': 42, 'none': None})\n",
    )
    monitor = run_program(program, "kiban", "dev", {}, [])
    assert isinstance(monitor, RecordingMonitor)
    second = monitor.registrations["urn:pulumi:dev::kiban::test:index:Group$test:index:Thing::second"]
    first_urn = "urn:pulumi:dev::kiban::test:index:Group$test:index:Thing::first"
    assert second.parent == "urn:pulumi:dev::kiban::test:index:Group::group"
    assert second.dependencies == [first_urn]
    assert second.inputs == {"other": mock_id(first_urn)}
    stack = monitor.registrations["urn:pulumi:dev::kiban::pulumi:pulumi:Stack::kiban-dev"]
    assert stack.outputs == {"answer": {"value": 42, "none": None}}


def test_a_duplicate_urn_fails_the_run(tmp_path: Path) -> None:
    program = _program(
        tmp_path,
        "pulumi.CustomResource('test:index:Thing', 'same', {})\npulumi.CustomResource('test:index:Thing', 'same', {})\n",
    )
    with pytest.raises(Exception, match=r"(?i)duplicate resource URN"):
        run_program(program, "kiban", "dev", {}, [])


def test_a_second_run_in_one_process_starts_clean(tmp_path: Path) -> None:
    program = _program(tmp_path, "pulumi.export('spec', pulumi.Config().get('spec'))\n")
    first = run_program(program, "kiban", "one", {"kiban:spec": "a.yaml"}, [])
    second = run_program(program, "kiban", "two", {}, [])
    assert isinstance(first, RecordingMonitor) and isinstance(second, RecordingMonitor)
    assert first.registrations["urn:pulumi:one::kiban::pulumi:pulumi:Stack::kiban-one"].outputs == {"spec": "a.yaml"}
    # A top-level None is not an output at all (the SDK drops it): the first run's config is gone.
    assert second.registrations["urn:pulumi:two::kiban::pulumi:pulumi:Stack::kiban-two"].outputs == {}


def test_counts_each_registration_in_order_for_a_progress_display(tmp_path: Path) -> None:
    program = _program(
        tmp_path, "".join(f"pulumi.CustomResource('test:index:Thing', 'thing-{n}', {{}})\n" for n in range(5))
    )
    counts: list[int] = []
    monitor = run_program(program, "kiban", "dev", {}, [], on_register=counts.append)
    assert isinstance(monitor, RecordingMonitor)
    # The stack and five things, each counted once, in order whichever thread registered it.
    assert counts == list(range(1, len(monitor.registrations) + 1)) and len(counts) == 6


def test_a_vpn_connection_gets_tunnel_addresses_secret_keys_and_an_attachment(tmp_path: Path) -> None:
    """What a peer stack reads back from AWS (``backends.aws.links``): computed, the same every run."""
    program = _program(
        tmp_path,
        "import pulumi_aws as aws\n"
        "for name in ('one', 'two'):\n"
        "    aws.ec2.VpnConnection(name, customer_gateway_id='cgw-1', type='ipsec.1', transit_gateway_id='tgw-1')\n",
    )
    runs = [run_program(program, "kiban", "dev", {}, []) for _ in range(2)]
    outputs = []
    for monitor in runs:
        assert isinstance(monitor, RecordingMonitor)
        outputs.append(
            {
                name: monitor.registrations[
                    f"urn:pulumi:dev::kiban::aws:ec2/vpnConnection:VpnConnection::{name}"
                ].outputs
                for name in ("one", "two")
            }
        )
    assert outputs[0] == outputs[1]
    one, two = outputs[0]["one"], outputs[0]["two"]
    assert one["tunnel1Address"].startswith("198.51.100.") and one["tunnel2Address"].startswith("198.51.100.")
    assert one["transitGatewayAttachmentId"] != two["transitGatewayAttachmentId"]
    assert one["tunnel1PresharedKey"] != two["tunnel1PresharedKey"]
    # The SDK declares the keys secret outputs; the state keeps them wrapped.
    assert isinstance(one["tunnel1PresharedKey"], dict) and "value" in one["tunnel1PresharedKey"]


def test_the_direct_connect_attachment_lookup_answers_an_id_derived_from_its_arguments(tmp_path: Path) -> None:
    program = _program(
        tmp_path,
        "import pulumi_aws as aws\n"
        "for index, dx in enumerate(('dx-1', 'dx-1', 'dx-2')):\n"
        "    found = aws.ec2transitgateway.get_direct_connect_gateway_attachment_output(\n"
        "        dx_gateway_id=dx, transit_gateway_id='tgw-1')\n"
        "    pulumi.CustomResource('test:index:Thing', f'uses-{index}', {'attachment': found.id})\n",
    )
    monitor = run_program(program, "kiban", "dev", {}, [])
    assert isinstance(monitor, RecordingMonitor)
    ids = [r.inputs["attachment"] for r in monitor.registrations.values() if r.type == "test:index:Thing"]
    assert len(ids) == 3 and all(ids)
    assert len(set(ids)) == 2  # the same arguments, the same attachment


def test_a_private_ip_vpn_takes_its_outside_addresses_from_the_block_its_direct_connect_gateway_advertises(
    tmp_path: Path,
) -> None:
    """As AWS does: from the Transit Gateway CIDR block the VPN's Direct Connect gateway allows, even when the
    Transit Gateway holds several blocks (one per link); a public VPN on the same gateway keeps public ones."""
    program = _program(
        tmp_path,
        "import pulumi, pulumi_aws as aws\n"
        "tgw = aws.ec2transitgateway.TransitGateway('tgw', transit_gateway_cidr_blocks=['172.16.200.0/24', "
        "'172.16.201.0/24'])\n"
        "for n, block in ((1, '172.16.201.0/24'), (2, '172.16.200.0/24')):\n"
        "    dx = aws.directconnect.Gateway(f'dx{n}', name=f'dx{n}', amazon_side_asn='64600')\n"
        "    association = aws.directconnect.GatewayAssociation(f'assoc{n}', dx_gateway_id=dx.id, "
        "associated_gateway_id=tgw.id, allowed_prefixes=[block])\n"
        "    attachment = aws.ec2transitgateway.get_direct_connect_gateway_attachment_output(dx_gateway_id=dx.id, "
        "transit_gateway_id=tgw.id, opts=pulumi.InvokeOutputOptions(depends_on=[association]))\n"
        "    aws.ec2.VpnConnection(f'private{n}', customer_gateway_id='cgw-1', type='ipsec.1', transit_gateway_id=tgw.id, "
        "outside_ip_address_type='PrivateIpv4', transport_transit_gateway_attachment_id=attachment.id)\n"
        "aws.ec2.VpnConnection('public', customer_gateway_id='cgw-2', type='ipsec.1', transit_gateway_id=tgw.id)\n",
    )
    monitor = run_program(program, "kiban", "dev", {}, [])
    assert isinstance(monitor, RecordingMonitor)

    def addresses(name: str) -> list[ipaddress.IPv4Address]:
        outputs = monitor.registrations[f"urn:pulumi:dev::kiban::aws:ec2/vpnConnection:VpnConnection::{name}"].outputs
        return [ipaddress.IPv4Address(outputs[f"tunnel{n}Address"]) for n in (1, 2)]

    for name, block in (
        ("private1", "172.16.201.0/24"),
        ("private2", "172.16.200.0/24"),
        ("public", "198.51.100.0/24"),
    ):
        network = ipaddress.IPv4Network(block)
        found = addresses(name)
        assert all(address in network for address in found), (name, found)
        assert len(set(found)) == 2 and not {network.network_address, network.broadcast_address} & set(found)
