"""kiban (基盤): Infrastructure as Code for the shared platform (共通基盤) of Japanese cities."""

__version__ = "0.1.0"
