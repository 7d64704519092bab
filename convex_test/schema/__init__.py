"""Validators (``v``) and schemas (``define_schema``, ``define_table``)."""

from convex_test.schema.definition import (
    SYSTEM_SCHEMA,
    SYSTEM_TABLES,
    SchemaDefinition,
    SearchIndexDefinition,
    TableDefinition,
    VectorIndexDefinition,
    define_schema,
    define_table,
    doc_validator,
)
from convex_test.schema.validators import (
    TableResolver,
    Validator,
    rewrap_validation_error,
    v,
    validation_errors_as,
)

__all__ = [
    "SYSTEM_SCHEMA",
    "SYSTEM_TABLES",
    "SchemaDefinition",
    "SearchIndexDefinition",
    "TableDefinition",
    "TableResolver",
    "Validator",
    "VectorIndexDefinition",
    "define_schema",
    "define_table",
    "doc_validator",
    "rewrap_validation_error",
    "v",
    "validation_errors_as",
]
