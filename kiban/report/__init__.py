"""``kiban report``: one self-contained HTML page of a city's platform, from its spec or its stacks' states.

- ``model``: the report as data (``report_from_spec``, ``report_from_states``), from the plans kiban has;
- ``picture``: the network picture (``picture_from_spec``, ``picture_from_inventories``), drawn by
  Graphviz (``network_svg``), with what a change did to each path (``edge_marks``, ``union_picture``);
- ``html``: the page (a jinja2 template in ``templates/``, inline SVG charts); ``fonts``: the Japanese
  font subset into it; ``schema``: the keys of a state only the report reads, checked before use.
"""
