"""The platform spec: what a city writes in one YAML file.

These models check shape and types only. Rules that need the whole spec
(references, overlaps, the three-layer flow policy) live in ``spec.checks``
so that each problem can be reported at the exact field a person must edit.
No Pulumi import here: the model is shared by plans, audit and verify.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal, TypeVar, cast

from pydantic import (
    Field,
    PositiveInt,
    field_validator,
    model_validator,
)

from kiban_platform.spec.fields import IDENTIFIER_PATTERN as IDENTIFIER_PATTERN
from kiban_platform.spec.fields import SPECIAL_BLOCKS as SPECIAL_BLOCKS
from kiban_platform.spec.fields import Cidr as Cidr
from kiban_platform.spec.fields import Identifier as Identifier
from kiban_platform.spec.fields import Port as Port
from kiban_platform.spec.fields import PortSpec as PortSpec
from kiban_platform.spec.fields import Protocol as Protocol
from kiban_platform.spec.fields import StrictModel as StrictModel
from kiban_platform.spec.fields import Text as Text
from kiban_platform.spec.fields import VlanId as VlanId
from kiban_platform.spec.operations import Operations
from kiban_platform.spec.privacy import Basis, DataClass
from kiban_platform.spec.roles import MiddlewareRole as MiddlewareRole
from kiban_platform.spec.sites import Link, PublicService, Site

MUNICIPALITY_CODE_PATTERN = r"^[0-9]{6}$"  # not \d, which also takes full-width (１) and Arabic-Indic (١) digits
Month = Annotated[int, Field(ge=1, le=12)]


class MunicipalityClass(StrEnum):
    DESIGNATED_CITY = "政令市"
    CORE_CITY = "中核市"
    OTHER = "other"


class AreaLevel(StrEnum):
    """The three layers of the MIC security guideline (三層の対策)."""

    HIGH = "high"  # マイナンバー利用事務系
    MIDDLE = "middle"  # LGWAN接続系
    INTERNET = "internet"  # インターネット接続系
    # Appended for the hybrid city: a public cloud's own network, outside the city's three layers.
    PUBLIC = "public"


# The highest data class each level of area may hold unless the area says otherwise (``ceiling``).
# - high (マイナンバー利用事務系): 特定個人情報 is handled here and only here (三層の対策 α).
# - middle (LGWAN接続系): internal administration holds personnel and welfare records, 要配慮 included,
#   but no 特定個人情報 of the マイナンバー利用事務.
# - internet (インターネット接続系): 電子申請 and groupware hold residents' applications, personal data;
#   要配慮 data stays off the area that faces the internet.
# - public (a public cloud's network): personal data at most, and only where the site allows it: the
#   site kind's ceiling (``sites.SITE_KIND_CEILINGS``) is the one that binds there.
AREA_LEVEL_CEILINGS: dict[AreaLevel, DataClass] = {
    AreaLevel.HIGH: DataClass.MY_NUMBER,
    AreaLevel.MIDDLE: DataClass.SPECIAL_CARE,
    AreaLevel.INTERNET: DataClass.PERSONAL,
    AreaLevel.PUBLIC: DataClass.PERSONAL,
}


class DiskTier(StrEnum):
    FAST = "fast"
    CAPACITY = "capacity"


class TierName(StrEnum):
    WEB = "web"
    APP = "app"
    DB = "db"
    BATCH = "batch"


class LicenceModel(StrEnum):
    PER_HOST = "per_host"  # per physical server: consolidate onto few hosts
    PER_CORE = "per_core"
    PER_VM = "per_vm"
    SUBSCRIPTION = "subscription"
    NONE = "none"


def municipality_code_check_digit(first_five: str) -> int:
    """Return the check digit of a 全国地方公共団体コード (JIS X 0402 with modulus 11)."""
    weighted = sum(int(digit) * weight for digit, weight in zip(first_five, (6, 5, 4, 3, 2), strict=True))
    return (11 - weighted % 11) % 10


class Municipality(StrictModel):
    name: Text = Field(min_length=1, description="Japanese name, e.g. 架空市")
    name_en: Text = Field(min_length=1)
    code: str = Field(
        pattern=MUNICIPALITY_CODE_PATTERN,
        description="6-digit local-government code (全国地方公共団体コード) with its check digit",
    )
    municipality_class: MunicipalityClass = Field(alias="class")

    @field_validator("code")
    @classmethod
    def _check_digit(cls, code: str) -> str:
        expected = municipality_code_check_digit(code[:5])
        if int(code[5]) != expected:
            raise ValueError(f"check digit of {code} should be {expected} (JIS X 0402)")
        return code


class Blade(StrictModel):
    id: Identifier
    vcpu: PositiveInt = Field(description="physical cores (hardware threads) on the blade")
    ram_gb: PositiveInt
    disk_gb: PositiveInt = Field(description="local disk usable by VMs")


class Chassis(StrictModel):
    """A failure domain: a blade chassis on premises, an availability zone in a cloud."""

    id: Identifier
    availability_zone: str | None = Field(
        default=None, description="OpenStack availability zone; defaults to the chassis id"
    )
    host_aggregate: str | None = Field(default=None, description="OpenStack host aggregate; defaults to '<id>-hosts'")
    cloud_zone: str | None = Field(default=None, description="public-cloud availability zone, e.g. ap-northeast-1a")
    site: Identifier | None = Field(
        default=None,
        description="a spec with sites: the on-prem site whose data centre holds this chassis; required when the "
        "city has two or more on-prem sites (with one, a chassis without it belongs to that site)",
    )
    blades: list[Blade] = Field(min_length=1)

    @property
    def openstack_zone(self) -> str:
        return self.availability_zone or self.id

    @property
    def openstack_aggregate(self) -> str:
        return self.host_aggregate or f"{self.id}-hosts"


class FailureDomains(StrictModel):
    vcpu_overcommit: float = Field(
        default=4.0, ge=1.0, le=16.0, description="vCPUs allowed per physical core on a blade"
    )
    chassis: list[Chassis] = Field(min_length=1)

    def blades(self) -> Iterator[tuple[Chassis, Blade]]:
        for chassis in self.chassis:
            for blade in chassis.blades:
                yield chassis, blade


class VlanRange(StrictModel):
    first: VlanId
    last: VlanId

    @model_validator(mode="after")
    def _ordered(self) -> VlanRange:
        if self.first > self.last:
            raise ValueError(f"VLAN range {self.first}-{self.last} is reversed")
        return self

    def __contains__(self, vlan: object) -> bool:
        return isinstance(vlan, int) and self.first <= vlan <= self.last


class Area(StrictModel):
    """A security area (三層): segments inside it are VLANs, nothing crosses it by default."""

    id: Identifier
    name: Text = Field(min_length=1, description="Japanese name, e.g. マイナンバー利用事務系")
    name_en: Text = Field(min_length=1)
    level: AreaLevel
    vlans: VlanRange
    supernet: Cidr
    segment_prefix: int = Field(
        default=22, ge=8, le=29, description="prefix length of one segment (the platform's or one business's)"
    )
    tier_prefix: int = Field(default=24, ge=10, le=29, description="prefix length of one business tier's subnet")
    ceiling: DataClass | None = Field(
        default=None,
        description="the highest data class the area may hold (default by level: high my_number, middle "
        "special_care, internet and public personal)",
    )

    @property
    def effective_ceiling(self) -> DataClass:
        return self.ceiling if self.ceiling is not None else AREA_LEVEL_CEILINGS[self.level]


class Disk(StrictModel):
    tier: DiskTier
    size_gb: PositiveInt


class VmShape(StrictModel):
    vcpu: PositiveInt
    ram_gb: PositiveInt
    disk: Disk


class Licence(StrictModel):
    model: LicenceModel = LicenceModel.NONE
    product: Text | None = None
    annual_cost_jpy: int = Field(default=0, ge=0, description="cost of one licence unit per year")


class Tier(VmShape):
    replicas: int = Field(ge=1, le=64)
    redundant: bool = Field(default=True, description="the tier must survive the loss of one replica")
    anti_affinity: bool = Field(default=True, description="replicas on distinct blades and chassis")
    ports: list[PortSpec] | None = Field(default=None, description="defaults by tier: web 443, app 8443, db 5432")


DEFAULT_TIER_PORTS: dict[TierName, tuple[Port, ...]] = {
    TierName.WEB: (Port(first=443, last=443),),
    TierName.APP: (Port(first=8443, last=8443),),
    TierName.DB: (Port(first=5432, last=5432),),
    TierName.BATCH: (),
}


def tier_ports(name: TierName, tier: Tier) -> tuple[Port, ...]:
    return tuple(tier.ports) if tier.ports is not None else DEFAULT_TIER_PORTS[name]


class Tiers(StrictModel):
    web: Tier | None = None
    app: Tier | None = None
    db: Tier | None = None
    batch: Tier | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Tiers:
        if not any(tier is not None for _, tier in self.items()):
            raise ValueError("a business needs at least one tier (web, app, db or batch)")
        return self

    def items(self) -> list[tuple[TierName, Tier]]:
        present = ((name, getattr(self, name.value)) for name in TierName)
        return [(name, tier) for name, tier in present if tier is not None]


class Integrations(StrictModel):
    """Data sets exchanged through the integration hub (地域情報プラットフォーム standard)."""

    publishes: list[Identifier] = Field(default_factory=list)
    consumes: list[Identifier] = Field(default_factory=list)


class Business(StrictModel):
    """One business system (業務) and its tenancy on the platform."""

    id: Identifier
    catalog: Identifier | None = Field(default=None, description="catalogue entry this business starts from")
    name: Text = Field(min_length=1, description="Japanese name, e.g. 住民基本台帳")
    name_en: Text = Field(min_length=1)
    vendor: Text = Field(min_length=1, description="business-application vendor (業務アプリケーション事業者)")
    area: Identifier
    network_slot: int = Field(
        ge=1,
        le=1023,
        description="fixed number in every area's numbering plan: VLAN = first + slot, segment = slot-th block",
    )
    tiers: Tiers
    peak_months: list[Month] = Field(default_factory=list)
    off_peak_load: float = Field(default=0.5, gt=0.0, le=1.0, description="share of the size used outside peaks")
    licence: Licence = Field(default_factory=Licence)
    integrations: Integrations = Field(default_factory=Integrations)
    site: Identifier | None = Field(default=None, description="with sites: where it runs (default: the first site)")
    api_gateway: bool = Field(
        default=False,
        description="its web tier is an API gateway a public-cloud service may call into, like the integration hub",
    )

    @field_validator("peak_months")
    @classmethod
    def _unique_months(cls, months: list[int]) -> list[int]:
        if len(set(months)) != len(months):
            raise ValueError("a month is listed twice")
        return sorted(months)


class MiddlewareService(VmShape):
    product: Text = Field(min_length=1)
    replicas: int = Field(ge=1, le=64, description="nodes in each of its areas")
    areas: list[Identifier] = Field(min_length=1)
    ports: list[PortSpec] = Field(min_length=1)
    redundant: bool = True
    anti_affinity: bool = True
    licence: Licence = Field(default_factory=Licence)
    sites: list[Identifier] | None = Field(
        default=None, description="with sites: where it runs (default: every site that carries one of its areas)"
    )


class Middleware(StrictModel):
    """The consolidated middleware tier every business uses instead of bringing its own."""

    job_management: MiddlewareService | None = None
    integration_hub: MiddlewareService | None = None
    load_balancer: MiddlewareService | None = None
    database: MiddlewareService | None = None
    monitoring: MiddlewareService | None = None
    time_name: MiddlewareService | None = None

    def items(self) -> list[tuple[MiddlewareRole, MiddlewareService]]:
        present = ((role, self.get(role)) for role in MiddlewareRole)
        return [(role, service) for role, service in present if service is not None]

    def get(self, role: MiddlewareRole) -> MiddlewareService | None:
        # The bastion is a platform role too, but the spec declares it under `management`.
        service: MiddlewareService | None = getattr(self, role.value, None)
        return service

    def in_area(self, role: MiddlewareRole, area_id: str) -> bool:
        service = self.get(role)
        return service is not None and area_id in service.areas


class WideNetworkApproval(StrictModel):
    """A recorded decision to let an external network wider than the limit into the high area."""

    approved_by: Text = Field(min_length=1, description="who approved it (role or name), e.g. 情報セキュリティ責任者")
    reason: Text = Field(min_length=1, description="why the counterpart cannot be named by a narrower network")


class Endpoint(StrictModel):
    """One end of a declared flow: a business tier, a middleware role in an area, an outside network, or
    a public service."""

    business: Identifier | None = None
    tier: TierName | None = Field(default=None, description="with business: one tier (default: every tier)")
    middleware: MiddlewareRole | None = None
    area: Identifier | None = Field(default=None, description="with middleware or external: where it sits")
    external: Text | None = Field(default=None, description="name of a network outside the platform, e.g. eLTAX")
    cidr: Cidr | None = Field(default=None, description="with external: its addresses")
    approved_wide: WideNetworkApproval | None = Field(
        default=None,
        description="with external: an approval to send into the high area from a network wider than /24",
    )
    public_service: Identifier | None = Field(default=None, description="a service of `public_services`")
    site: Identifier | None = Field(
        default=None,
        description="with sites, for middleware or external: the site (default: the only one carrying the area)",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Endpoint:
        kinds = [
            kind for kind in ("business", "middleware", "external", "public_service") if getattr(self, kind) is not None
        ]
        if len(kinds) != 1:
            raise ValueError("an endpoint names exactly one of business, middleware, external or public_service")
        if self.business is not None and (self.area is not None or self.cidr is not None):
            raise ValueError("a business endpoint takes its area from the business; remove area/cidr")
        if self.business is not None and self.site is not None:
            raise ValueError("a business endpoint takes its site from the business; remove site")
        if self.public_service is not None and any(
            value is not None for value in (self.area, self.cidr, self.site, self.tier)
        ):
            raise ValueError("a public_service endpoint takes its site, area and addresses from the service")
        if self.middleware is not None and self.area is None:
            raise ValueError("a middleware endpoint needs the area it sits in")
        if self.external is not None and (self.area is None or self.cidr is None):
            raise ValueError("an external endpoint needs the area it enters and its cidr")
        if self.tier is not None and self.business is None:
            raise ValueError("tier goes with business")
        if self.approved_wide is not None and self.external is None:
            raise ValueError("approved_wide goes with external")
        return self

    def label(self) -> str:
        if self.public_service is not None:
            return f"public_service:{self.public_service}"
        if self.business is not None:
            return f"{self.business}/{self.tier}" if self.tier else self.business
        if self.middleware is not None:
            return f"{self.middleware}@{self.area}"
        return f"{self.external}({self.cidr})@{self.area}"


class Flow(StrictModel):
    """A declared exception to the default-deny between hosts, e.g. 特定通信 into the My Number area."""

    id: Identifier
    source: Endpoint = Field(alias="from")
    destination: Endpoint = Field(alias="to")
    ports: list[PortSpec] = Field(min_length=1)
    one_way: bool = Field(default=True, description="only 'from' may open connections")
    purpose: Text = Field(min_length=1)
    data: DataClass | None = Field(
        default=None,
        description="the highest class of data it carries either way: public < anonymized < pseudonymized < "
        "personal < special_care < my_number (required in a spec with sites)",
    )
    basis: Basis | None = Field(
        default=None,
        description="the legal footing of personal data reaching a public cloud: law, consent, entrustment, "
        "cloud_exception",
    )
    personal_file: Text | None = Field(
        default=None, min_length=1, description="with basis: the 個人情報ファイル the data belongs to"
    )


POSIX_USER_PATTERN = r"^[a-z_][a-z0-9_-]{0,31}$"
# An operations network (運用端末のネットワーク) is a handful of terminals, not an office: a /24
# at most, so a rule into the high area's bastion never admits a whole building.
OPERATIONS_NETWORK_MAX_PREFIX = 24


class Bastion(VmShape):
    """The bastion (踏み台) of each area that has an operations network: the only SSH entry to its hosts."""

    vcpu: PositiveInt = 2
    ram_gb: PositiveInt = 4
    disk: Disk = Field(default_factory=lambda: Disk(tier=DiskTier.CAPACITY, size_gb=20))
    product: Text = Field(default="OpenSSH", min_length=1)
    replicas: int = Field(default=2, ge=1, le=8, description="bastions in each area")
    redundant: bool = Field(default=True, description="operators keep a way in when one bastion is lost")
    anti_affinity: bool = True


class OperationsNetwork(StrictModel):
    """Operators' terminals (運用端末) for one area: the only source allowed to reach that area's bastion."""

    id: Identifier
    area: Identifier
    cidr: Cidr = Field(description=f"outside every area; /{OPERATIONS_NETWORK_MAX_PREFIX} or narrower")
    purpose: Text = Field(min_length=1)


class Management(StrictModel):
    """How operators reach hosts: operations network -> the area's bastion -> every host of that area, by SSH."""

    ssh_port: int = Field(default=22, ge=1, le=65535, description="sshd's TCP port on every host")
    user: str = Field(
        default="kiban-ops",
        pattern=POSIX_USER_PATTERN,
        description="the operations account on every host (Ansible's ansible_user)",
    )
    bastion: Bastion = Field(default_factory=Bastion)
    operations_networks: list[OperationsNetwork] = Field(
        min_length=1, description="one or more per area with hosts; an area's bastion admits only its own"
    )

    @property
    def port(self) -> Port:
        return Port(first=self.ssh_port, last=self.ssh_port)


Derived = TypeVar("Derived")


def _same(first: object, second: object) -> bool:
    return first is second


class PlatformSpec(StrictModel):
    """A city's shared platform (共通基盤): everything kiban plans and builds starts here."""

    version: Literal[1] = 1
    catalog_version: int = Field(default=1, ge=1, description="version of the built-in business catalogue")
    municipality: Municipality
    failure_domains: FailureDomains
    areas: list[Area] = Field(min_length=1)
    middleware: Middleware
    businesses: list[Business] = Field(default_factory=list)
    flows: list[Flow] = Field(default_factory=list)
    management: Management | None = Field(
        default=None, description="bastions and SSH paths for operators; without it no host admits SSH"
    )
    sites: list[Site] = Field(
        default_factory=list, description="where the platform runs; without sites the spec is one implicit site"
    )
    links: list[Link] = Field(default_factory=list, description="paths between sites and the areas each carries")
    public_services: list[PublicService] = Field(
        default_factory=list, description="services on a public-cloud site that call into the city, one way"
    )
    operations: Operations | None = Field(
        default=None,
        description="with sites: the one monitoring, job-management, log and time/name plane of the city: where "
        "each manager runs; every other site's instance of the role is its relay, and kiban plans the flows",
    )

    @cached_property
    def lookup_tables(self) -> dict[str, tuple[tuple[object, ...], object]]:
        """Tables derived from the spec's lists (see ``memoized``); not a field of the spec."""
        return {}

    def memoized(self, name: str, sources: Sequence[object], build: Callable[[], Derived]) -> Derived:
        """``build()``, computed once while ``sources`` are the very objects it was built from.

        The checks and plans ask "which site is X", "which sites carry area A" once per item; answered by
        a scan each time, a spec with thousands of sites or links takes minutes. A spec is immutable, so a
        table built once serves every later question; ``model_copy(update=...)`` shares this cache with
        its copy, and a copy whose list was replaced has another list object, so its table is rebuilt.
        """
        entry = self.lookup_tables.get(name)
        if entry is not None and len(entry[0]) == len(sources) and all(map(_same, entry[0], sources)):
            return cast(Derived, entry[1])
        value = build()
        self.lookup_tables[name] = (tuple(sources), value)
        return value

    def _by_id(self, name: str, items: Sequence[Any]) -> dict[str, Any]:
        # Built from the end, so that the first of two items with one id wins, as a scan would find it
        # (the duplicate is reported where it is written).
        return self.memoized(f"{name} by id", (items,), lambda: {item.id: item for item in reversed(items)})

    def area(self, area_id: str) -> Area:
        return cast(Area, self._by_id("areas", self.areas)[area_id])

    def business(self, business_id: str) -> Business:
        return cast(Business, self._by_id("businesses", self.businesses)[business_id])

    def bastion_areas(self) -> list[str]:
        """Areas that get a bastion: each (known) area with an operations network, in spec order."""
        if self.management is None:
            return []
        wanted = {network.area for network in self.management.operations_networks}
        return [area.id for area in self.areas if area.id in wanted]

    def bastion_service(self) -> MiddlewareService | None:
        """The bastions as one more platform service, so they are planned, placed and deployed like middleware."""
        areas = self.bastion_areas()
        if self.management is None or not areas:
            return None
        bastion = self.management.bastion
        return MiddlewareService(
            vcpu=bastion.vcpu,
            ram_gb=bastion.ram_gb,
            disk=bastion.disk,
            product=bastion.product,
            replicas=bastion.replicas,
            areas=areas,
            ports=[self.management.port],
            redundant=bastion.redundant,
            anti_affinity=bastion.anti_affinity,
        )

    def platform_services(self) -> list[tuple[MiddlewareRole, MiddlewareService]]:
        """The middleware roles, then the bastions when the spec has a management section."""
        bastion = self.bastion_service()
        return [*self.middleware.items(), *([(MiddlewareRole.BASTION, bastion)] if bastion else [])]

    def platform_service(self, role: MiddlewareRole) -> MiddlewareService | None:
        return self.bastion_service() if role == MiddlewareRole.BASTION else self.middleware.get(role)

    def runs_in(self, role: MiddlewareRole, area_id: str) -> bool:
        """Whether a platform service (middleware or bastion) has nodes in an area."""
        service = self.platform_service(role)
        return service is not None and area_id in service.areas

    def site(self, site_id: str) -> Site:
        return cast(Site, self._by_id("sites", self.sites)[site_id])

    def public_service(self, service_id: str) -> PublicService:
        return cast(PublicService, self._by_id("public services", self.public_services)[service_id])

    def public_service_area(self, service: PublicService) -> str:
        """The area a public service sits in: its own, else its site's only area (KeyError when neither)."""
        if service.area is not None:
            return service.area
        areas = list(self.site(service.site).areas)
        if len(areas) != 1:
            raise KeyError(service.site)
        return areas[0]

    def endpoint_area(self, endpoint: Endpoint) -> str:
        if endpoint.business is not None:
            return self.business(endpoint.business).area
        if endpoint.public_service is not None:
            return self.public_service_area(self.public_service(endpoint.public_service))
        assert endpoint.area is not None  # guaranteed by Endpoint._one_kind
        return endpoint.area
