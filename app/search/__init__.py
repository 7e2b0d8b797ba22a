"""Full-text search over the catalogue, with whoosh, behind this package only.

The index is a projection of the database: rebuilt from it (`regmap search reindex`) and kept
current by following the change feed; it can be thrown away at any time.
"""
