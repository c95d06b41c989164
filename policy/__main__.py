"""Entry point of the CrossGuard pack: the policies of policy/pack.py in one PolicyPack.

Constructing PolicyPack starts the analyzer's gRPC server and blocks, so it
happens only here; tests build the policies with ``policy.pack.policies()``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The rules live in the repository's audit package, one folder up; the CLI runs the pack from this folder.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack

from policy.pack import PACK_NAME, policies

PolicyPack(name=PACK_NAME, enforcement_level=EnforcementLevel.ADVISORY, policies=policies())
