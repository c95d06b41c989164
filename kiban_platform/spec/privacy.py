"""Privacy grades (プライバシー対応): the class of data a flow carries, and the legal footing it names.

Consent and legal basis cannot be verified by infrastructure code, but a flow can be made to *name*
them, so that auditors see on which footing personal data crosses to a cloud the city does not own.
"""

from __future__ import annotations

from enum import StrEnum


class DataClass(StrEnum):
    """The class of data a flow carries (the highest, either way), lowest first; compared by that order.

    - ``public``: published or publishable (オープンデータ).
    - ``anonymized``: 匿名加工情報 / 行政機関等匿名加工情報 (個人情報保護法): cannot be tied back to a person.
    - ``pseudonymized``: 仮名加工情報: personal data with identifiers replaced, for the city's own analysis only.
    - ``personal``: 個人情報.
    - ``special_care``: 要配慮個人情報 (health, welfare, criminal record, ...).
    - ``my_number``: 特定個人情報: personal data containing a My Number (番号法).
    """

    PUBLIC = "public"
    ANONYMIZED = "anonymized"
    PSEUDONYMIZED = "pseudonymized"
    PERSONAL = "personal"
    SPECIAL_CARE = "special_care"
    MY_NUMBER = "my_number"

    @property
    def rank(self) -> int:
        return _RANK[self]

    # Compared by sensitivity, not by spelling: "my_number" > "personal" although "m" < "p".
    def __lt__(self, other: str) -> bool:
        return self.rank < DataClass(other).rank

    def __le__(self, other: str) -> bool:
        return self.rank <= DataClass(other).rank

    def __gt__(self, other: str) -> bool:
        return self.rank > DataClass(other).rank

    def __ge__(self, other: str) -> bool:
        return self.rank >= DataClass(other).rank


_RANK = {data: rank for rank, data in enumerate(DataClass)}


class Basis(StrEnum):
    """The legal footing a flow of personal data names where it reaches a cloud the city does not own."""

    LAW = "law"  # 法令に基づく提供 (e.g. 番号法第19条 for 特定個人情報)
    CONSENT = "consent"  # 本人の同意
    ENTRUSTMENT = "entrustment"  # 委託: the provider handles the data under contract
    CLOUD_EXCEPTION = "cloud_exception"  # クラウド例外: the provider does not handle the data (PPC Q&A 7-53)


class Handling(StrEnum):
    """How a public-cloud provider stands towards the personal data the city places there."""

    CLOUD_EXCEPTION = "cloud_exception"  # contract and access control keep the provider out of the data
    ENTRUSTMENT = "entrustment"  # the provider handles it as the city's contractor (委託先の監督)
