"""Property values as the audit compares and shows them: secrets sealed, id references made stable.

A state stores a secret as ``{SIG_KEY: SECRET_SIG, "ciphertext": ...}`` (or
``"plaintext"`` after ``pulumi stack export --show-secrets``). Both become a
``Secret`` that compares by its token and always prints as ``[secret]``.
A string that is the id of another resource in the same state becomes a
``Ref`` to that resource's URN: ids are provider-computed, so a replaced
resource would otherwise make every resource pointing at it look changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

SIG_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIG: Final = "1b47061264138c4ac30d75fd1eb44270"
SECRET_TEXT: Final = "[secret]"
# Shorter ids ("1", "42": Nova aggregates) would collide with ordinary values such as counts and ports.
MIN_ID_LENGTH: Final = 8
# Names whose value is sensitive even when a program forgot to mark it secret (httpTokens is not one).
_SENSITIVE_PARTS = ("password", "passwd", "secret", "privatekey", "private_key", "credential", "apikey", "api_key")
_SENSITIVE_NAMES = frozenset({"token", "accesstoken", "authtoken", "sessiontoken", "adminpass", "passphrase"})


@dataclass(frozen=True)
class Secret:
    """A secret value: equal to another only when both carry the same token of the same kind."""

    token: str
    encrypted: bool  # ciphertext (True) or plaintext (False): the two cannot be compared with each other


@dataclass(frozen=True)
class Ref:
    """A reference to another resource of the same state, by URN."""

    urn: str


class _Unknown:
    """A value not known yet (CrossGuard during a preview): neither present nor absent."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()


def is_secret(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get(SIG_KEY) == SECRET_SIG


def is_opaque(value: Any) -> bool:
    """A value an interpreter must not read: a secret (sealed or not) or an unknown."""
    return value is UNKNOWN or isinstance(value, Secret) or is_secret(value)


def is_sensitive_name(name: str) -> bool:
    lowered = name.lower()
    return lowered in _SENSITIVE_NAMES or any(part in lowered for part in _SENSITIVE_PARTS)


def seal(value: Any) -> Secret:
    """The ``Secret`` of a state's secret object (ciphertext or plaintext)."""
    if "ciphertext" in value:
        return Secret(str(value["ciphertext"]), True)
    plain = value.get("plaintext", value.get("value"))
    return Secret(plain if isinstance(plain, str) else json.dumps(plain, sort_keys=True), False)


def normalize(value: Any, ids: Mapping[str, str], name: str = "") -> Any:
    """The comparable form of a property value: secrets sealed, id references resolved, engine keys dropped."""
    if is_secret(value):
        return seal(value)
    if name and is_sensitive_name(name) and value is not None:
        return Secret(json.dumps(_plain(value), sort_keys=True, default=str), False)
    if isinstance(value, Mapping):
        # Keys starting "__" are the bridge's bookkeeping (``__defaults``), not configuration.
        return {key: normalize(item, ids, key) for key, item in value.items() if not key.startswith("__")}
    if isinstance(value, list):
        return [normalize(item, ids, name) for item in value]
    if isinstance(value, str):
        target = ids.get(value) if len(value) >= MIN_ID_LENGTH else None
        return Ref(target) if target is not None else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def contains_secret(value: Any) -> bool:
    if isinstance(value, Secret):
        return True
    if isinstance(value, Mapping):
        return any(contains_secret(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_secret(item) for item in value)
    return False


def resource_name(urn: str) -> str:
    return urn.split("::", 3)[3] if urn.count("::") >= 3 else urn


def to_json(value: Any) -> Any:
    """A normalized value as JSON: secrets as ``[secret]``, references as ``{"ref": URN}``."""
    if isinstance(value, Secret):
        return SECRET_TEXT
    if isinstance(value, Ref):
        return {"ref": value.urn}
    if isinstance(value, Mapping):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_json(item) for item in value]
    return value


_MAX_TEXT = 80
_SPACES = re.compile(r"\s+")


def display(value: Any) -> str:
    """A normalized value in one short line for people: secrets as ``[secret]``, never their text."""
    if isinstance(value, Secret):
        return SECRET_TEXT
    if isinstance(value, Ref):
        return f"→{resource_name(value.urn)}"
    if isinstance(value, str):
        if "\n" in value:
            return f"<text, {value.count(chr(10)) + 1} lines>"
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 2] + '…"'
    if isinstance(value, Mapping):
        inner = ", ".join(f"{key}: {display(item)}" for key, item in value.items())
        return _clip("{" + inner + "}")
    if isinstance(value, list):
        return _clip("[" + ", ".join(display(item) for item in value) + "]")
    return json.dumps(value)


def _clip(text: str) -> str:
    text = _SPACES.sub(" ", text)
    return text if len(text) <= 2 * _MAX_TEXT else text[: 2 * _MAX_TEXT - 1] + "…"
