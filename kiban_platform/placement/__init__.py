"""Placement and capacity planning: which blade in which chassis runs each VM of a platform spec.

Pure Python (no Pulumi), one concern per module, in the order data flows through them:
``demand`` (monthly demand and blade capacity, as a neutral ``problem``), ``first_fit`` and
``bounds`` (greedy starts and what no placement can beat), ``solver`` (``cpsat`` for the whole
model, ``lns`` for large cities, ``patterns`` for problems without anti-affinity, ``workers``
for solving side by side), ``verify`` (the rules, checked on every result), ``baseline`` and
``survival`` (what a plan is compared with, and what a chassis loss takes down),
``feasibility`` (located errors), ``plan`` (the planner), ``report`` and ``cli`` (output).
``binpack`` adapts classic one-dimensional bin packing for the benchmark.

Importing the package loads nothing heavy: OR-Tools loads with ``placement.plan``.
"""
