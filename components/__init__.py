"""Provider-neutral Pulumi components (kiban:<module>:<Type>); built on the plans, never on raw spec YAML."""
