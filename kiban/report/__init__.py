"""``kiban report``: one self-contained HTML page of a city's platform, from its spec or its stacks' states.

``picture`` is the network picture (data, then SVG through Graphviz).
"""
