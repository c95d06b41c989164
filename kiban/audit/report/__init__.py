"""The reports of ``kiban diff`` and ``kiban audit``: terminal text (rich), markdown, JSON and SARIF 2.1.0.

JSON is the source of the markdown and SARIF forms, so every form says the same
thing; none of them ever contains a secret's value (see ``audit.values``).
"""

from __future__ import annotations

from enum import StrEnum


class Format(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"
    SARIF = "sarif"
