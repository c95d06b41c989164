"""The shape of the stack output ``inventory`` as kiban reads it back (inventory, playbook, verify, lab).

``inventory/document.py`` writes the document; this checks one read from a file before any logic
touches it, so a wrong type becomes ``FILE: inventory.hosts[3].address: message`` (exit 2) instead
of a traceback or, worse, an Ansible host whose address is ``None``. Only the fields kiban reads are
checked; anything else in the document passes through untouched (``extra="allow"``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from kiban.verify.hostvars import PLAN_GROUP
from kiban_platform.spec.problems import FieldPath, Problem
from kiban_platform.spec.stack_outputs import Address, Network, hybrid_fact_problems

_PORT_TEXT = re.compile(r"^(\d{1,5})(?:-(\d{1,5}))?/(tcp|udp)$")


def _port_text(value: str) -> str:
    match = _PORT_TEXT.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a port: expected N/tcp, N/udp or N-M/proto")
    first, last = int(match.group(1)), int(match.group(2) or match.group(1))
    if not 1 <= first <= last <= 65535:
        raise ValueError(f"{value!r} is not a port: 1-65535, first not above last")
    return value


PortText = Annotated[StrictStr, AfterValidator(_port_text)]
Name = Annotated[StrictStr, Field(min_length=1)]


class _Read(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class InventoryHost(_Read):
    name: Name
    address: Address
    role: Name
    area: Name
    group: Name
    subnet: Network
    business: StrictStr | None
    tier: StrictStr | None
    failure_domain: StrictStr | None
    blade: StrictInt | StrictStr | None  # None: placed by the cloud, not on a known blade
    ports: list[PortText]
    bastion: Address | None = None


class Subnet(_Read):
    name: StrictStr
    cidr: Network
    service_address: Address


class Segment(_Read):
    cidr: Network
    subnets: list[Subnet]


class Area(_Read):
    id: Name
    cidr: Network
    level: StrictStr | None = None
    vlans: list[StrictInt] = []
    segments: list[Segment]


class Endpoint(_Read):
    group: Name
    area: StrictStr | None
    cidr: Network


class Flow(_Read):
    source: Endpoint = Field(alias="from")
    destination: Endpoint = Field(alias="to")
    port: PortText
    kind: Name
    flow: StrictStr | None = None


class Management(_Read):
    user: Name
    ssh_port: StrictInt = Field(ge=1, le=65535)
    bastions: dict[str, list[Address]] = {}


class InventoryDocument(_Read):
    hosts: list[InventoryHost]
    areas: list[Area]
    flows: list[Flow]
    management: Management | None = None


MAX_PROBLEMS = 20


def _problems(model: type[BaseModel], document: Any, where: FieldPath) -> list[Problem]:
    try:
        model.model_validate(document)
    except ValidationError as error:
        problems = []
        for item in error.errors()[:MAX_PROBLEMS]:
            message = str(item["msg"]).removeprefix("Value error, ")
            problems.append(Problem((*where, *item["loc"]), message))
        return problems
    return []


def inventory_problems(document: Any, where: FieldPath) -> list[Problem]:
    """What is wrong with an inventory document (found at ``where`` in its file); empty when it can be used.

    A site stack's inventory also has its hybrid keys checked (``hybrid_fact_problems``), the one
    schema every reader of them uses: garbage there is refused here, not read as an unknown site.
    """
    return _problems(InventoryDocument, document, where) or hybrid_fact_problems(document, where)


class AnsibleHost(_Read):
    """A host of the Ansible inventory `kiban inventory` writes (or the lab's), as the testinfra suite reads it."""

    ansible_host: Address
    kiban_external: bool = False  # a lab's outside network: has no area, role or ports
    kiban_area: StrictStr | None = None
    kiban_group: StrictStr | None = None
    kiban_role: StrictStr | None = None
    kiban_ports: list[PortText] = []
    kiban_netns: StrictStr | None = None
    kiban_python: StrictStr | None = None

    @model_validator(mode="after")
    def _placed(self) -> AnsibleHost:
        if not self.kiban_external and not (self.kiban_area and self.kiban_group and self.kiban_role):
            raise ValueError("needs kiban_area, kiban_group and kiban_role (write it with `kiban inventory`)")
        return self


class AnsibleGroup(_Read):
    hosts: dict[str, dict[str, Any] | None] = {}


class AnsibleVars(_Read):
    kiban_areas: list[Area]
    kiban_flows: list[Flow]
    kiban_management: Management | None = None


class AnsibleAll(_Read):
    hosts: dict[str, AnsibleHost] = Field(min_length=1)
    children: dict[str, AnsibleGroup] = {}
    vars: dict[str, Any] = {}


class AnsibleInventory(_Read):
    all: AnsibleAll


def ansible_inventory_problems(document: Any) -> list[Problem]:
    """What keeps the testinfra suite from reading an Ansible inventory; empty when it can be used."""
    if not isinstance(document, dict):
        return [
            Problem((), "not an Ansible inventory: expected a mapping with 'all' (write it with `kiban inventory`)")
        ]
    problems = _problems(AnsibleInventory, document, ())
    if problems:
        return problems
    # The plan is the hostless group's variables (kiban inventory today) or all's (written before, or by hand).
    plan_group = document["all"].get("children", {}).get(PLAN_GROUP)
    if isinstance(plan_group, dict) and "vars" in plan_group:
        return _problems(AnsibleVars, plan_group["vars"], ("all", "children", PLAN_GROUP, "vars"))
    return _problems(AnsibleVars, document["all"].get("vars", {}), ("all", "vars"))
