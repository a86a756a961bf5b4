"""Plain domain types: taxonomy of categories and roles."""

from hotspotwatch.domain.taxonomy import (
    DEFAULT_CATEGORIES,
    ROLES,
    Category,
    Role,
    Taxonomy,
    category_label,
)

__all__ = ["DEFAULT_CATEGORIES", "ROLES", "Category", "Role", "Taxonomy", "category_label"]
