"""A local lab: the spec's network design as network namespaces, bridges and an nftables router."""
