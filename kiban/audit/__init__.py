"""Auditors' tools over Pulumi state: ``kiban diff`` (what a change means) and ``kiban audit`` (the model's rules).

Everything here reads state documents (``pulumi stack export`` output or a
``kiban render``) or CrossGuard's resource objects, never the cloud. The core
(state, model, interpreters, rules, waivers) uses only the standard library and
PyYAML, so the CrossGuard pack in ``policy/`` can import it from its own
virtualenv; the terminal report (rich) is imported only by the command line.
"""
