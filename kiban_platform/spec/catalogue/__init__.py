"""The built-in, versioned catalogue of standardised businesses (標準準拠システム)."""

from kiban_platform.spec.catalogue.entries import Catalogue, CatalogueEntry, available_versions, load_catalogue

__all__ = ["Catalogue", "CatalogueEntry", "available_versions", "load_catalogue"]
