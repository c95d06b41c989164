"""The inventory: every host with its address and failure domain, and the document verification reads.

Pure (no Pulumi import), so every target's backend publishes the same shape and
verify/audit can rebuild it from a spec without running a program.
"""

from inventory.document import build_inventory
from inventory.hosts import PlannedHost, plan_hosts

__all__ = ["PlannedHost", "build_inventory", "plan_hosts"]
