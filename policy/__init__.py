"""The CrossGuard policy pack: kiban's audit rules enforced by `pulumi preview --policy-pack policy`."""
