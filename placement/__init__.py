"""Placement and capacity planning: which blade in which chassis runs each VM of a platform spec.

Pure Python (no Pulumi). The modules, in the order data flows through them:
``demand`` (per-VM monthly demand and blade capacity as a neutral ``problem``),
``first_fit`` and ``bounds`` (quick answers and what no answer can beat),
``solver`` (CP-SAT), ``verify`` (the constraints checked on any assignment),
``baseline`` and ``survival`` (what the plan is compared with and how it fails),
``plan`` (the whole planner), ``report`` and ``cli`` (output).

This package imports nothing heavy at import time: OR-Tools loads only when a plan is solved.
"""
