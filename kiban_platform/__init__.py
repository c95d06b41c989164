"""kiban's domain: the platform spec, its plans, and the Pulumi program that builds it.

Nothing here imports the ``kiban`` tools package, typer or rich; below ``components`` and
``backends`` nothing imports Pulumi (import-linter contracts in ``.importlinter``).
"""
