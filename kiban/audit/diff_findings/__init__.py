"""Diff findings that live in a module of their own: each module has ``RULE`` (its RuleInfo) and ``find``.

``audit.diff`` lists their rules in ``DIFF_RULES`` and calls each ``find`` with
the two views and the classified changes.
"""
