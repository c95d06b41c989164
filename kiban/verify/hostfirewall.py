"""Is a host's firewall exactly its plan? Compare ``nft -j list ruleset`` (libnftables' JSON) both ways (pure).

The plan of a host is what ``kiban playbook`` writes into its ``/etc/nftables.conf``: table ``inet kiban``,
an input chain with policy drop, replies of established connections, loopback, and one accept per
planned rule into the host's group (the inventory's ``kiban_flows``: source CIDR, protocol, port).

Read back from the host, every base chain hooked to input, in any table and family, is checked:

- its policy is drop;
- every accept of a *new* connection it can reach (directly, or through a jump or goto into
  another chain) lies within the planned rules: no wider source, no interface-wide accept, no
  ``ct state new`` accept, no wider port range, no other protocol;
- every planned rule is accepted there (and no earlier drop or reject takes its traffic).

A rule is read as a set of conditions; a condition this module does not understand is taken to
match everything, so an accept is never judged narrower than it is (a rule that only *looks*
wider is reported, never the reverse). Such a rule never counts as carrying a planned rule.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from kiban.verify.hostvars import plan_vars
from kiban.verify.reachability import rule_site

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

PLANNED_TABLE = ("inet", "kiban")
PLANNED_CHAIN = "input"
INPUT_HOOK = "input"
TRANSPORTS = ("tcp", "udp")
# ct states that belong to a connection already let in (or to none): accepting them opens nothing new.
NOT_NEW_STATES = frozenset({"established", "related", "invalid"})
LOOPBACK = frozenset({"lo"})
NEAR_SHOWN = 3  # planned rules named beside a wider accept
MAX_JUMP_DEPTH = 16  # nftables itself refuses deeper jump chains


@dataclass(frozen=True)
class PlannedAccept:
    """One planned rule into the host, as the playbook's nftables file accepts it."""

    source: Network
    protocol: str  # "tcp" or "udp"
    first: int
    last: int
    reason: str  # the plan's words: "juki/web -> juki/app 8443/tcp (tier-to-tier)"

    @property
    def nft(self) -> str:
        span = str(self.first) if self.first == self.last else f"{self.first}-{self.last}"
        return f"ip saddr {self.source} {self.protocol} dport {span} accept"

    @property
    def line(self) -> str:
        return f"{self.nft} ({self.reason})"


def parse_port(text: str) -> tuple[str, int, int]:
    """'443/tcp' -> ('tcp', 443, 443); '8000-8010/udp' -> ('udp', 8000, 8010)."""
    span, _, protocol = text.partition("/")
    first, _, last = span.partition("-")
    return protocol or "tcp", int(first), int(last or first)


def planned_accepts(flows: Iterable[Mapping[str, Any]], group: str) -> tuple[PlannedAccept, ...]:
    """The inventory's rules into ``group`` (the caller picks the host's site's rules), as the firewall accepts them."""
    planned = []
    for rule in flows:
        if rule["to"]["group"] != group:
            continue
        protocol, first, last = parse_port(str(rule["port"]))
        reason = f"{rule['from']['group']} -> {group} {rule['port']} ({rule['kind']}"
        reason += f", flow {rule['flow']})" if rule.get("flow") else ")"
        planned.append(PlannedAccept(ipaddress.ip_network(str(rule["from"]["cidr"])), protocol, first, last, reason))
    return tuple(planned)


@dataclass(frozen=True)
class Conditions:
    """What a rule (and the jumps that led to it) requires of a packet; None: anything."""

    sources: tuple[Network, ...] | None = None
    protocols: frozenset[str] | None = None
    ports: tuple[tuple[int, int], ...] | None = None
    new_connections: bool = True  # False when a ct state match admits only replies or invalid packets
    loopback_only: bool = False
    understood: bool = True  # False when a condition was taken to match everything

    @property
    def opens_something(self) -> bool:
        empty = self.sources == () or self.ports == () or self.protocols == frozenset()
        return self.new_connections and not self.loopback_only and not empty

    def narrowed(self, other: Conditions) -> Conditions:
        """Both sets of conditions at once (a jump's and the target rule's)."""
        return Conditions(
            _both_sources(self.sources, other.sources),
            _both(self.protocols, other.protocols),
            _both_ports(self.ports, other.ports),
            self.new_connections and other.new_connections,
            self.loopback_only or other.loopback_only,
            self.understood and other.understood,
        )


def _both(first: frozenset[str] | None, second: frozenset[str] | None) -> frozenset[str] | None:
    if first is None or second is None:
        return second if first is None else first
    return first & second


def _both_sources(first: tuple[Network, ...] | None, second: tuple[Network, ...] | None) -> tuple[Network, ...] | None:
    if first is None or second is None:
        return second if first is None else first
    both = []
    for one in first:
        for two in second:
            if one.version == two.version and one.overlaps(two):
                both.append(one if one.prefixlen >= two.prefixlen else two)
    return tuple(both)


def _both_ports(
    first: tuple[tuple[int, int], ...] | None, second: tuple[tuple[int, int], ...] | None
) -> tuple[tuple[int, int], ...] | None:
    if first is None or second is None:
        return second if first is None else first
    return tuple((max(a, c), min(b, d)) for a, b in first for c, d in second if max(a, c) <= min(b, d))


@dataclass(frozen=True)
class Verdict:
    kind: str  # "accept", "drop", "jump", "goto", "return", "continue" or "" (no verdict: the rule falls through)
    target: str | None = None


@dataclass(frozen=True)
class ReadRule:
    text: str  # as nft would print it
    conditions: Conditions
    verdict: Verdict


@dataclass(frozen=True)
class Chain:
    family: str
    table: str
    name: str
    hook: str | None
    kind: str | None  # "filter"; a nat or route chain decides nothing about letting a packet in
    policy: str | None
    rules: tuple[ReadRule, ...] = field(default=())

    @property
    def label(self) -> str:
        return f"{self.family} {self.table} {self.name}"


# --- nft's own text, rebuilt from the JSON (for the operator; never parsed back) --------------------------------


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(_value_text(item) for item in value)
    if isinstance(value, dict):
        prefix, span, members = _mapping(value.get("prefix")), value.get("range"), value.get("set")
        if "addr" in prefix and "len" in prefix:
            return f"{_value_text(prefix['addr'])}/{_value_text(prefix['len'])}"
        if isinstance(span, list) and len(span) == 2:
            return f"{_value_text(span[0])}-{_value_text(span[1])}"
        if isinstance(members, list):
            return "{ " + ", ".join(_value_text(item) for item in members) + " }"
    return json.dumps(value, separators=(",", ":"))


def _mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else an empty one: nft's JSON is read, never trusted to be well formed."""
    return value if isinstance(value, Mapping) else {}


QUOTED_META = frozenset({"iifname", "oifname", "iif", "oif"})


def _left_text(left: Any) -> str:
    if isinstance(left, dict):
        if "payload" in left:
            payload = _mapping(left["payload"])
            return f"{payload.get('protocol', '')} {payload.get('field', '')}".strip()
        if "meta" in left:
            key = str(_mapping(left["meta"]).get("key"))
            return key if key in QUOTED_META or key in ("l4proto", "nfproto", "mark") else f"meta {key}"
        if "ct" in left:
            return f"ct {_mapping(left['ct']).get('key')}"
    return _value_text(left)


def _match_text(match: Mapping[str, Any]) -> str:
    left, right, op = match.get("left"), match.get("right"), match.get("op", "==")
    right_text = f'"{right}"' if isinstance(right, str) and _left_text(left) in QUOTED_META else _value_text(right)
    operator = "" if op in ("==", "in") else f"{op} "
    return f"{_left_text(left)} {operator}{right_text}"


def _statement_text(expression: Any) -> str:
    if not isinstance(expression, Mapping) or not expression:
        return _value_text(expression)
    key, value = next(iter(expression.items()))
    if key == "match" and isinstance(value, Mapping):
        return _match_text(value)
    if key in ("jump", "goto") and isinstance(value, Mapping):
        return f"{key} {value.get('target')}"
    if value is None or key in ("counter", "log"):
        return str(key)
    return f"{key} {_value_text(value)}"


def rule_text(expressions: Sequence[Any]) -> str:
    """One rule as nft prints it (``ip saddr 10.20.0.0/16 tcp dport 22 accept``), rebuilt from its JSON."""
    return " ".join(_statement_text(expression) for expression in expressions)


# --- reading a rule's conditions ------------------------------------------------------------------------------


Item = TypeVar("Item")


def _set_items(items: Any, read: Callable[[Any], tuple[Item, ...] | None]) -> tuple[Item, ...] | None:
    """Every element of an anonymous nft set, each read by ``read``; None when one of them cannot be read."""
    found: list[Item] = []
    for item in items if isinstance(items, list) else [items]:
        one = read(item)
        if one is None:
            return None
        found += one
    return tuple(found)


def _networks(right: Any) -> tuple[Network, ...] | None:
    """The networks a saddr match names, or None when it names something else (a named set, ...)."""
    if isinstance(right, str) and not right.startswith("@"):
        try:
            return (ipaddress.ip_network(right),)
        except ValueError:
            return None
    if isinstance(right, dict) and "prefix" in right:
        try:
            return (ipaddress.ip_network(f"{right['prefix']['addr']}/{right['prefix']['len']}", strict=False),)
        except (ValueError, KeyError, TypeError):
            return None
    if isinstance(right, dict) and "range" in right:
        try:
            first, last = (ipaddress.ip_address(str(end)) for end in right["range"])
            return tuple(ipaddress.summarize_address_range(first, last))
        except (ValueError, TypeError):
            return None
    if isinstance(right, dict) and "set" in right:
        return _set_items(right["set"], _networks)
    return None


def _port_spans(right: Any) -> tuple[tuple[int, int], ...] | None:
    if isinstance(right, bool):
        return None
    if isinstance(right, int):
        return ((right, right),)
    if isinstance(right, dict) and "range" in right:
        span = right["range"]
        if isinstance(span, list) and len(span) == 2 and all(type(end) is int for end in span):
            return ((span[0], span[1]),)
        return None
    if isinstance(right, dict) and "set" in right:
        return _set_items(right["set"], _port_spans)
    return None


def _strings(right: Any) -> frozenset[str] | None:
    if isinstance(right, str):
        return frozenset({right})
    if isinstance(right, list) and all(isinstance(item, str) for item in right):
        return frozenset(right)
    if isinstance(right, dict) and "set" in right and all(isinstance(item, str) for item in right["set"]):
        return frozenset(right["set"])
    return None


def _with_match(conditions: Conditions, match: Mapping[str, Any]) -> Conditions:
    """``conditions`` and one match; a match not understood (or negated) is taken to match everything."""
    unknown = replace(conditions, understood=False)
    if not isinstance(match, Mapping):
        return unknown
    left, right, op = match.get("left"), match.get("right"), match.get("op", "==")
    if op not in ("==", "in") or not isinstance(left, dict):
        return unknown
    if "payload" in left:
        protocol, name = _mapping(left["payload"]).get("protocol"), _mapping(left["payload"]).get("field")
        if protocol in ("ip", "ip6") and name == "saddr":
            networks = _networks(right)
            return unknown if networks is None else conditions.narrowed(Conditions(sources=networks))
        if protocol in ("ip", "ip6") and name == "daddr":
            return conditions  # a host receives only its own addresses: the plan does not restrict them
        if name == "dport":
            spans = _port_spans(right)
            protocols = frozenset({protocol}) if protocol in TRANSPORTS else frozenset(TRANSPORTS)
            if spans is None:
                return unknown.narrowed(Conditions(protocols=protocols))
            return conditions.narrowed(Conditions(protocols=protocols, ports=spans))
        return unknown
    if "meta" in left:
        key = _mapping(left["meta"]).get("key")
        names = _strings(right)
        if key in ("iif", "iifname"):
            if names is not None and names <= LOOPBACK:
                return replace(conditions, loopback_only=True)
            return conditions  # an interface is the whole network behind it: no narrower than anywhere
        if key == "l4proto" and names is not None:
            return conditions.narrowed(Conditions(protocols=names))
        return unknown
    if "ct" in left and _mapping(left["ct"]).get("key") == "state":
        states = _strings(right)
        if states is None:
            return unknown
        return replace(conditions, new_connections=conditions.new_connections and not states <= NOT_NEW_STATES)
    return unknown


def _verdict(expression: Mapping[str, Any]) -> Verdict | None:
    for kind in ("accept", "drop", "reject", "return", "continue", "queue"):
        if kind in expression:
            # reject drops; queue hands the packet to a program that may accept it.
            return Verdict({"reject": "drop", "queue": "accept"}.get(kind, kind))
    for kind in ("jump", "goto"):
        if kind in expression:
            target = _mapping(expression[kind]).get("target")
            return Verdict(kind, str(target) if isinstance(target, str) else None)
    return None


IGNORED_STATEMENTS = frozenset({"counter", "log", "comment"})


def read_rule(expressions: Sequence[Mapping[str, Any]]) -> ReadRule:
    """A rule's conditions and verdict, and its text."""
    conditions, verdict = Conditions(), Verdict("")
    for expression in expressions:
        if not isinstance(expression, Mapping):
            conditions = replace(conditions, understood=False)
            continue
        found = _verdict(expression)
        if found is not None:
            verdict = found
            break
        if "match" in expression:
            conditions = _with_match(conditions, expression["match"])
        elif not IGNORED_STATEMENTS & set(expression):
            conditions = replace(conditions, understood=False)  # limit, quota, set updates, ...
    return ReadRule(rule_text(expressions), conditions, verdict)


def read_chains(ruleset: Mapping[str, Any]) -> dict[tuple[str, str, str], Chain]:
    """Every chain of the listed ruleset with its rules in order, by (family, table, name)."""
    chains: dict[tuple[str, str, str], Chain] = {}
    rules: dict[tuple[str, str, str], list[ReadRule]] = {}
    items = _mapping(ruleset).get("nftables")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        if "chain" in item:
            chain = _mapping(item["chain"])
            key = (str(chain.get("family")), str(chain.get("table")), str(chain.get("name")))
            chains[key] = Chain(*key, chain.get("hook"), chain.get("type"), chain.get("policy"))
        elif "rule" in item:
            rule = _mapping(item["rule"])
            key = (str(rule.get("family")), str(rule.get("table")), str(rule.get("chain")))
            expressions = rule.get("expr")
            rules.setdefault(key, []).append(read_rule(expressions if isinstance(expressions, list) else []))
    return {key: replace(chain, rules=tuple(rules.get(key, ()))) for key, chain in chains.items()}


# --- what a chain accepts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accept:
    """One accept of new connections a base chain can reach, with the rules that lead to it."""

    conditions: Conditions
    path: tuple[str, ...]  # the jump rules, then the accepting rule, each as nft prints it (or a policy)


def _accepts(
    chains: Mapping[tuple[str, str, str], Chain], chain: Chain, before: Conditions, path: tuple[str, ...], depth: int
) -> Iterator[Accept]:
    for rule in chain.rules:
        conditions = before.narrowed(rule.conditions)
        if not conditions.opens_something:
            continue
        if rule.verdict.kind == "accept":
            yield Accept(conditions, (*path, f"{chain.label}: {rule.text}"))
        elif rule.verdict.kind in ("jump", "goto"):
            step = (*path, f"{chain.label}: {rule.text}")
            target = chains.get((chain.family, chain.table, rule.verdict.target or ""))
            if target is None or depth >= MAX_JUMP_DEPTH:
                # A chain that cannot be followed may accept anything these conditions let through.
                yield Accept(replace(conditions, understood=False), step)
            else:
                yield from _accepts(chains, target, conditions, step, depth + 1)


def _covered(conditions: Conditions, planned: Sequence[PlannedAccept]) -> bool:
    """Whether every packet these conditions accept is accepted by some planned rule."""
    if conditions.sources is None or conditions.protocols is None or conditions.ports is None:
        return False
    for source in conditions.sources:
        for protocol in conditions.protocols:
            spans = sorted(
                (rule.first, rule.last)
                for rule in planned
                if rule.protocol == protocol and _inside(source, rule.source)
            )
            if not all(_span_within(span, spans) for span in conditions.ports):
                return False
    return True


def _inside(inner: Network, outer: Network) -> bool:
    """Whether network ``inner`` lies within ``outer`` (never across IP versions)."""
    first, last = int(inner.network_address), int(inner.broadcast_address)
    return inner.version == outer.version and int(outer.network_address) <= first <= last <= int(
        outer.broadcast_address
    )


def _span_within(span: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
    """Whether ``span`` lies inside the union of sorted ``spans``."""
    reached = span[0] - 1
    for first, last in spans:
        if first > reached + 1:
            break
        reached = max(reached, last)
    return reached >= span[1]


def _overlaps(conditions: Conditions, rule: PlannedAccept) -> bool:
    sources = conditions.sources is None or any(
        source.version == rule.source.version and source.overlaps(rule.source) for source in conditions.sources
    )
    protocols = conditions.protocols is None or rule.protocol in conditions.protocols
    ports = conditions.ports is None or any(a <= rule.last and rule.first <= b for a, b in conditions.ports)
    return sources and protocols and ports


def _what(conditions: Conditions) -> str:
    sources = "any source" if conditions.sources is None else ", ".join(str(s) for s in conditions.sources)
    protocols = "any protocol" if conditions.protocols is None else "/".join(sorted(conditions.protocols))
    ports = (
        "any port"
        if conditions.ports is None
        else ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in conditions.ports)
    )
    return f"new connections from {sources} on {protocols} {ports}"


def _exceeds(accept: Accept, planned: Sequence[PlannedAccept]) -> str:
    near = [rule for rule in planned if _overlaps(accept.conditions, rule)]
    if near:
        shown = "; ".join(rule.line for rule in near[:NEAR_SHOWN])
        more = f"; and {len(near) - NEAR_SHOWN} more" if len(near) > NEAR_SHOWN else ""
        return f"it is wider than the planned {shown}{more}"
    return f"no planned rule allows {_what(accept.conditions)}"


def _within(inner: Conditions, outer: Conditions) -> bool:
    """Whether everything ``inner`` admits, ``outer`` admits too (``outer`` fully understood)."""
    if not outer.understood or not outer.opens_something:
        return False
    if outer.protocols is not None and (inner.protocols is None or not inner.protocols <= outer.protocols):
        return False
    if outer.sources is not None and (
        inner.sources is None or not all(any(_inside(one, two) for two in outer.sources) for one in inner.sources)
    ):
        return False
    if outer.ports is not None:
        spans = sorted(outer.ports)
        return inner.ports is not None and all(_span_within(span, spans) for span in inner.ports)
    return True


def _decision(
    chains: Mapping[tuple[str, str, str], Chain], chain: Chain, wanted: Conditions, depth: int
) -> tuple[str, str] | None:
    """What ``chain`` does with the traffic ``wanted``: ("accept", ""), ("drop", the rule), or None (falls through).

    Taken whole: a rule that matches part of it and drops, or jumps where nothing can be followed,
    counts as taking all of it; a part accepted lets the rest go on to the next rule.
    """
    for read in chain.rules:
        if not wanted.narrowed(read.conditions).opens_something:
            continue
        kind = read.verdict.kind
        if kind == "accept" and _within(wanted, read.conditions):
            return "accept", ""
        if kind == "drop":
            return "drop", f"{chain.label}: {read.text}"
        if kind == "return":
            return None
        if kind in ("jump", "goto"):
            target = chains.get((chain.family, chain.table, read.verdict.target or ""))
            if target is None or depth >= MAX_JUMP_DEPTH:
                return "drop", f"{chain.label}: {read.text}"
            decided = _decision(chains, target, wanted, depth + 1)
            if decided is not None or kind == "goto":
                return decided  # after a goto, falling through ends the calling chain too
    return None


def _blocker(chains: Mapping[tuple[str, str, str], Chain], chain: Chain, rule: PlannedAccept) -> str | None:
    """None when base chain ``chain`` accepts the planned rule's traffic whole; else what takes it first."""
    wanted = Conditions((rule.source,), frozenset({rule.protocol}), ((rule.first, rule.last),))
    decided = _decision(chains, chain, wanted, 0)
    if decided is not None:
        verdict, where = decided
        return None if verdict == "accept" else f"first taken by `{where}`"
    if chain.policy == "accept":
        return None  # accepted by the policy (itself a problem of its own)
    return f"no rule of the chain accepts it (policy {chain.policy})"


def host_firewall_problems(host: str, ruleset: Mapping[str, Any], planned: Sequence[PlannedAccept]) -> list[str]:
    """Every way ``ruleset`` (``nft -j list ruleset``) differs from the host's plan; empty when it is exact.

    Each problem names the host, the chain, the offending rule as nft prints it (after the rules that
    jump to it) and the planned rule it exceeds, or that no planned rule allows it.
    """
    chains = read_chains(ruleset)
    problems: list[str] = []
    if (*PLANNED_TABLE, PLANNED_CHAIN) not in chains:
        planned_chain = f"{' '.join(PLANNED_TABLE)} {PLANNED_CHAIN}"
        problems.append(f"{host}: no chain {planned_chain} (the firewall `kiban playbook` writes)")
    for chain in (chain for chain in chains.values() if chain.hook == INPUT_HOOK and chain.kind in (None, "filter")):
        if chain.policy != "drop":
            problems.append(
                f"{host}: {chain.label}: policy {chain.policy}: a chain hooked to input must drop what no rule accepts"
            )
        for accept in _accepts(chains, chain, Conditions(), (), 0):
            # A condition not understood can only narrow what is already within the plan.
            if not _covered(accept.conditions, planned):
                problems.append(f"{host}: {' -> '.join(accept.path)}: {_exceeds(accept, planned)}")
        for rule in planned:
            blocker = _blocker(chains, chain, rule)
            if blocker is not None:
                problems.append(f"{host}: {chain.label}: the planned {rule.line} is not accepted: {blocker}")
    return problems


def host_plan(inventory: Mapping[str, Any], host: str) -> tuple[PlannedAccept, ...]:
    """The planned accepts of inventory host ``host``: its site's rules into its group (hybrid cities' too)."""
    facts = inventory["all"]["hosts"][host]
    site = facts.get("kiban_site")
    flows = [
        rule
        for rule in plan_vars(inventory)["kiban_flows"]
        if site is None or rule_site(rule, inventory) in (site, None)
    ]
    return planned_accepts(flows, str(facts["kiban_group"]))
