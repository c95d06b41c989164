"""The Pulumi program: kiban's program prepares the stack's kiban:* config and declares the platform."""

from kiban_platform.program import main

main()
