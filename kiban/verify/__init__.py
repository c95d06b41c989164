"""Verify a deployed platform against its plan: inventory, reachability checks, the testinfra suite."""
