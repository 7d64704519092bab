"""``define_schema`` / ``define_table``: tables, their document validators and indexes.

Definition errors raise :class:`~convex_test.errors.SchemaDefinitionError` with the
backend's wording as soon as the offending call runs: index rules in ``.index()`` and
friends, table names and field references in :func:`define_schema`.  Writes are checked
with :meth:`SchemaDefinition.validate_document`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from convex_test import errors
from convex_test._guards import checked_arity, checked_call
from convex_test.schema.validators import (
    TableResolver,
    Validator,
    VAny,
    VArray,
    VFloat64,
    VId,
    VLiteral,
    VObject,
    VString,
    VUnion,
    identifier_error,
    v,
)
from convex_test.values.types import convert, int_text

__all__ = [
    "SYSTEM_SCHEMA",
    "SYSTEM_TABLES",
    "SchemaDefinition",
    "SearchIndexDefinition",
    "TableDefinition",
    "VectorIndexDefinition",
    "define_schema",
    "define_table",
    "doc_validator",
]

MAX_INDEXES_PER_TABLE: Final = 64
MAX_INDEX_FIELDS: Final = 16  # including the _creationTime appended to every index
MAX_FILTER_FIELDS: Final = 16
MIN_VECTOR_DIMENSIONS: Final = 2
MAX_VECTOR_DIMENSIONS: Final = 4096
RESERVED_INDEX_NAMES: Final = frozenset({"by_id", "by_creation_time"})
SYSTEM_FIELDS: Final = ("_id", "_creationTime")


@dataclass(frozen=True)
class SearchIndexDefinition:
    """A full-text index: one string field, plus equality filter fields."""

    search_field: str
    filter_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class VectorIndexDefinition:
    """A vector index over a ``list[float]`` field of fixed length ``dimensions``."""

    vector_field: str
    dimensions: int
    filter_fields: tuple[str, ...] = ()


def _describe(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:
        text = "<unprintable>"
    if len(text) > 200:
        text = text[:197] + "..."
    return f"{text} ({type(value).__name__})"


def _fail(message: str) -> errors.SchemaDefinitionError:
    return errors.SchemaDefinitionError(message)


def _strip_system_fields(validator: VObject) -> VObject:
    # The backend drops top-level `_` fields from a document validator
    # (`ObjectValidator::filter_system_fields`), and from documents before checking.
    fields = validator.fields
    if not any(name.startswith("_") for name in fields):
        return validator.required()
    return VObject({k: f for k, f in fields.items() if not k.startswith("_")})


def _document_validator(spec: Any) -> Validator:
    if isinstance(spec, Mapping):
        return _strip_system_fields(v.object(spec))
    if isinstance(spec, VObject):
        return _strip_system_fields(spec)
    if isinstance(spec, VAny):
        return spec.required()
    if isinstance(spec, VUnion):
        members = []
        for member in spec.members:
            if not isinstance(member, VObject):
                raise _fail(errors.DOCUMENT_VALIDATOR_INVALID.format(validator=member._display))
            members.append(_strip_system_fields(member))
        return VUnion(*members)
    if isinstance(spec, Validator):
        raise _fail(errors.DOCUMENT_VALIDATOR_INVALID.format(validator=spec._display))
    raise _fail(errors.DOCUMENT_VALIDATOR_INVALID.format(validator=_describe(spec)))


def _parse_field_path(index: str, field: Any) -> str:
    """A dotted path of identifiers; leading/trailing dots are trimmed like the backend."""
    if not isinstance(field, str):
        raise _fail(errors.INVALID_INDEX_FIELD.format(index=index, field=_describe(field)))
    trimmed = field.strip(".")
    if not trimmed or any(identifier_error(part) for part in trimmed.split(".")):
        raise _fail(errors.INVALID_INDEX_FIELD.format(index=index, field=field))
    return trimmed


def _field_list(index: str, fields: Any, what: str) -> list[str]:
    if isinstance(fields, str) or not isinstance(fields, (list, tuple)):
        hint = f" Did you mean [{fields!r}]?" if isinstance(fields, str) else ""
        raise _fail(
            errors.INDEX_FIELDS_NOT_LIST.format(
                index=index, what=what, value=_describe(fields), hint=hint
            )
        )
    return [_parse_field_path(index, f) for f in fields]


def _filter_fields(index: str, fields: Any) -> tuple[str, ...]:
    parsed = _field_list(index, fields, "`filter_fields`")
    # The backend keeps filter fields in a set: duplicates collapse silently.
    unique = tuple(dict.fromkeys(parsed))
    if len(unique) > MAX_FILTER_FIELDS:
        raise _fail(
            errors.INDEX_TOO_MANY_FILTER_FIELDS.format(index=index, limit=MAX_FILTER_FIELDS)
        )
    return unique


@checked_arity("define_table(...)")
class TableDefinition:
    """A table of a schema: its document validator and indexes. Build with :func:`define_table`.

    ``.index()``, ``.search_index()`` and ``.vector_index()`` add to this definition and
    return it, so calls chain.
    """

    __slots__ = ("_indexes", "_search_indexes", "_vector_indexes", "document_validator")

    document_validator: Validator

    def __init__(self, document_validator: Validator) -> None:
        self.document_validator = document_validator
        self._indexes: dict[str, tuple[str, ...]] = {}
        self._search_indexes: dict[str, SearchIndexDefinition] = {}
        self._vector_indexes: dict[str, VectorIndexDefinition] = {}

    @property
    def indexes(self) -> dict[str, list[str]]:
        """Database indexes: name -> user fields (the engine appends ``_creationTime``, ``_id``)."""
        return {name: list(fields) for name, fields in self._indexes.items()}

    @property
    def search_indexes(self) -> dict[str, SearchIndexDefinition]:
        """Full-text search indexes by name."""
        return dict(self._search_indexes)

    @property
    def vector_indexes(self) -> dict[str, VectorIndexDefinition]:
        """Vector indexes by name."""
        return dict(self._vector_indexes)

    # -- builders -----------------------------------------------------------

    def index(self, name: str, fields: Sequence[str] | None = None) -> TableDefinition:
        """Add a database index on ``fields`` (field paths like ``"author.name"``)."""
        self._check_name(name)
        if isinstance(fields, Mapping):  # JS-style {"fields": [...]}
            fields = fields.get("fields")
        if fields is None:
            raise _fail(errors.INDEX_MISSING_ARGUMENT.format(index=name, what="`fields`"))
        parsed = _field_list(name, fields, "`fields`")
        if not parsed:
            raise _fail(errors.EMPTY_INDEX.format(name=name))
        if "_id" in parsed:
            raise _fail(errors.INDEX_FIELD_ID.format(index=name))
        seen: set[str] = set()
        for field in parsed:
            if field in seen:
                raise _fail(errors.INDEX_FIELD_DUPLICATE.format(index=name, field=field))
            seen.add(field)
        if "_creationTime" in parsed:
            raise _fail(errors.INDEX_FIELD_CREATION_TIME.format(index=name))
        if any(part.startswith("_") for field in parsed for part in field.split(".")):
            raise _fail(errors.INDEX_FIELD_RESERVED.format(index=name))
        if len(parsed) + 1 > MAX_INDEX_FIELDS:
            raise _fail(errors.INDEX_TOO_MANY_FIELDS.format(index=name, limit=MAX_INDEX_FIELDS))
        key = tuple(parsed)
        for other, other_fields in self._indexes.items():
            if other_fields == key:
                first, second = sorted((name, other))
                raise _fail(errors.INDEX_NOT_UNIQUE.format(index1=second, index2=first))
        self._indexes[name] = key
        return self

    def search_index(
        self,
        name: str,
        search_field: str | None = None,
        *,
        filter_fields: Sequence[str] = (),
    ) -> TableDefinition:
        """Add a full-text index on the string field ``search_field``."""
        self._check_name(name)
        if search_field is None:
            raise _fail(errors.INDEX_MISSING_ARGUMENT.format(index=name, what="`search_field`"))
        field = _parse_field_path(name, search_field)
        filters = _filter_fields(name, filter_fields)
        for other, definition in self._search_indexes.items():
            if definition.search_field == field and set(definition.filter_fields) == set(filters):
                first, second = sorted((name, other))
                raise _fail(errors.SEARCH_INDEX_NOT_UNIQUE.format(index1=second, index2=first))
        self._search_indexes[name] = SearchIndexDefinition(field, filters)
        return self

    def vector_index(
        self,
        name: str,
        vector_field: str | None = None,
        *,
        dimensions: int | None = None,
        filter_fields: Sequence[str] = (),
    ) -> TableDefinition:
        """Add a vector index on ``vector_field`` (a list of ``dimensions`` floats)."""
        self._check_name(name)
        if vector_field is None:
            raise _fail(errors.INDEX_MISSING_ARGUMENT.format(index=name, what="`vector_field`"))
        field = _parse_field_path(name, vector_field)
        filters = _filter_fields(name, filter_fields)
        if dimensions is None:
            raise _fail(errors.INDEX_MISSING_ARGUMENT.format(index=name, what="`dimensions`"))
        if isinstance(dimensions, float) and float.is_integer(dimensions):
            dimensions = int(dimensions)
        if isinstance(dimensions, bool) or not isinstance(dimensions, int):
            raise _fail(
                errors.VECTOR_DIMENSIONS_NOT_INT.format(index=name, value=_describe(dimensions))
            )
        if not MIN_VECTOR_DIMENSIONS <= dimensions <= MAX_VECTOR_DIMENSIONS:
            raise _fail(errors.VECTOR_DIMENSIONS_OUT_OF_RANGE.format(value=int_text(dimensions)))
        for other, definition in self._vector_indexes.items():
            # The backend compares (vectorField, dimensions) pairs.
            if definition.vector_field == field and definition.dimensions == dimensions:
                first, second = sorted((name, other))
                raise _fail(errors.VECTOR_INDEX_NOT_UNIQUE.format(index1=second, index2=first))
        self._vector_indexes[name] = VectorIndexDefinition(field, int(dimensions), filters)
        return self

    def _check_name(self, name: Any) -> None:
        if not isinstance(name, str) or identifier_error(name) is not None:
            shown = name if isinstance(name, str) else _describe(name)
            raise _fail(errors.INVALID_INDEX_NAME.format(name=shown))
        if name.startswith("_") or name in RESERVED_INDEX_NAMES:
            raise _fail(errors.INDEX_NAME_RESERVED.format(name=name))
        if name in self._indexes or name in self._search_indexes or name in self._vector_indexes:
            raise _fail(errors.INDEX_NAMES_NOT_UNIQUE.format(name=name))
        total = len(self._indexes) + len(self._search_indexes) + len(self._vector_indexes)
        if total >= MAX_INDEXES_PER_TABLE:
            raise _fail(errors.TOO_MANY_INDEXES.format(limit=MAX_INDEXES_PER_TABLE))

    # -- documents ----------------------------------------------------------

    def _validate_document(
        self, table: str, doc: Any, tables: TableResolver | None
    ) -> dict[str, Any]:
        try:
            result: dict[str, Any] = self.document_validator.validate(doc, tables=tables)
        except errors.ValidationError as exc:
            message = errors.SCHEMA_DOCUMENT_MISMATCH.format(table=table, error=exc)
            raise errors.SchemaValidationError(message) from None
        return result

    def __repr__(self) -> str:
        parts = [f"define_table({self.document_validator!r})"]
        parts += [f".index({n!r}, {list(f)!r})" for n, f in self._indexes.items()]
        parts += [
            f".search_index({n!r}, search_field={d.search_field!r}, "
            f"filter_fields={list(d.filter_fields)!r})"
            for n, d in self._search_indexes.items()
        ]
        parts += [
            f".vector_index({n!r}, vector_field={d.vector_field!r}, dimensions={d.dimensions}, "
            f"filter_fields={list(d.filter_fields)!r})"
            for n, d in self._vector_indexes.items()
        ]
        return "".join(parts)


@checked_call("define_table")
def define_table(document: Mapping[str, Validator] | Validator) -> TableDefinition:
    """A table whose documents match ``document``.

    ``document`` is a dict of field validators, a ``v.object(...)``, a ``v.union`` of
    objects, or ``v.any()``.  Top-level ``_`` fields are dropped from the validator (the
    system fields ``_id``/``_creationTime`` are never validated).
    """
    return TableDefinition(_document_validator(document))


# ---------------------------------------------------------------------------
# Field-reference checks (backend `Validator::can_contain_field` and friends)
# ---------------------------------------------------------------------------


def _can_contain(validator: Validator, parts: Sequence[str]) -> bool:
    if not parts:
        return True
    if isinstance(validator, VAny):
        return True
    if isinstance(validator, VUnion):
        return any(_can_contain(m, parts) for m in validator.members)
    if isinstance(validator, VObject):
        field = validator.fields.get(parts[0])
        return field is not None and _can_contain(field, parts[1:])
    return False


def _document_can_contain(validator: Validator, path: str) -> bool:
    parts = path.split(".")
    if len(parts) == 1 and parts[0].startswith("_"):
        return True  # system fields exist on every document
    return _can_contain(validator, parts)


def _is_vector_validator(validator: Validator) -> bool:
    if isinstance(validator, VArray):
        return isinstance(validator.element, (VFloat64, VAny))
    if isinstance(validator, VAny):
        return True
    if isinstance(validator, VUnion):
        return any(_is_vector_validator(m) for m in validator.members)
    return False


def _overlaps_float_array(validator: Validator, parts: Sequence[str]) -> bool:
    if not parts:
        return _is_vector_validator(validator)
    if isinstance(validator, VAny):
        return True
    if isinstance(validator, VUnion):
        return any(_overlaps_float_array(m, parts) for m in validator.members)
    if isinstance(validator, VObject):
        field = validator.fields.get(parts[0])
        return field is None or _overlaps_float_array(field, parts[1:])
    return False


def _can_be_string(validator: Validator, parts: Sequence[str]) -> bool:
    if isinstance(validator, VAny):
        return True
    if isinstance(validator, VUnion):
        return any(_can_be_string(m, parts) for m in validator.members)
    if not parts:
        if isinstance(validator, VLiteral):
            return isinstance(validator.value, str)
        return isinstance(validator, (VString, VId))
    if isinstance(validator, VObject):
        field = validator.fields.get(parts[0])
        return field is not None and _can_be_string(field, parts[1:])
    return False


def _check_references(name: str, table: TableDefinition) -> None:
    validator = table.document_validator
    referenced: list[tuple[str, str]] = [
        (index, field) for index, fields in table._indexes.items() for field in fields
    ]
    for index, search in table._search_indexes.items():
        referenced.append((index, search.search_field))
    for index, search in table._search_indexes.items():
        referenced += [(index, field) for field in search.filter_fields]
    for index, vector in table._vector_indexes.items():
        referenced.append((index, vector.vector_field))
    for index, field in referenced:
        if not _document_can_contain(validator, field):
            raise _fail(
                errors.INDEX_FIELD_DOES_NOT_EXIST.format(table=name, index=index, field=field)
            )
    for index, vector in table._vector_indexes.items():
        if not _overlaps_float_array(validator, vector.vector_field.split(".")):
            raise _fail(
                errors.VECTOR_FIELD_NOT_FLOAT_ARRAY.format(
                    table=name, index=index, field=vector.vector_field
                )
            )
    for index, search in table._search_indexes.items():
        if not _can_be_string(validator, search.search_field.split(".")):
            raise _fail(
                errors.SEARCH_FIELD_NOT_STRING.format(
                    table=name, index=index, field=search.search_field
                )
            )


# ---------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------


class SchemaDefinition:
    """A schema: tables in declaration order and whether writes are validated."""

    __slots__ = ("schema_validation", "tables")

    tables: dict[str, TableDefinition]
    schema_validation: bool

    def __init__(self, tables: dict[str, TableDefinition], schema_validation: bool = True) -> None:
        self.tables = tables
        self.schema_validation = schema_validation

    def table_names(self) -> list[str]:
        """The table names, in declaration order."""
        return list(self.tables)

    def validate_document(
        self, table: str, doc: Any, *, tables: TableResolver | None = None
    ) -> dict[str, Any]:
        """Check a document written to ``table`` and return its canonical copy.

        ``_id``/``_creationTime`` are stripped first (and absent from the result).  A
        mismatch raises :class:`~convex_test.errors.SchemaValidationError`:
        ``Failed to insert or update a document in table "t" because it does not match
        the schema: <validation error>``.  Like the backend, tables missing from the
        schema and schemas with ``schema_validation=False`` are not checked.
        """
        definition = self.tables.get(table)
        if isinstance(doc, dict) and ("_id" in doc or "_creationTime" in doc):
            doc = {k: item for k, item in doc.items() if k not in SYSTEM_FIELDS}
        if definition is None or not self.schema_validation:
            result: dict[str, Any] = convert(doc)
            return result
        return definition._validate_document(table, doc, tables)

    def doc(self, table: str) -> Validator:
        """The validator of whole documents of ``table`` (with ``_id`` and ``_creationTime``)."""
        definition = self.tables.get(table)
        if definition is None:
            raise _fail(
                f'Table "{table}" is not in this schema. Tables in this schema: '
                f"{', '.join(self.tables)}." + errors.did_you_mean(str(table), self.tables)
            )
        return doc_validator(table, definition)

    def __repr__(self) -> str:
        inner = ", ".join(f"{name!r}: {table!r}" for name, table in self.tables.items())
        return f"define_schema({{{inner}}}, schema_validation={self.schema_validation})"


@checked_call("define_schema")
def define_schema(
    tables: Mapping[str, TableDefinition], *, schema_validation: bool = True
) -> SchemaDefinition:
    """A schema of ``tables`` (name -> :func:`define_table`).

    With ``schema_validation`` (the default) every write to a schema table is validated,
    and index fields must be possible under each table's document validator.
    """
    if not isinstance(tables, Mapping):
        raise _fail(errors.SCHEMA_TABLES_NOT_DICT.format(value=_describe(tables)))
    if not isinstance(schema_validation, bool):
        # A truthy "false" must not silently keep validation on.
        raise _fail(errors.SCHEMA_VALIDATION_NOT_BOOL.format(value=_describe(schema_validation)))
    checked: dict[str, TableDefinition] = {}
    for name, table in tables.items():
        if not isinstance(name, str) or identifier_error(name) is not None:
            shown = name if isinstance(name, str) else _describe(name)
            raise _fail(errors.INVALID_TABLE_NAME.format(name=shown))
        if name.startswith("_"):
            raise _fail(errors.TABLE_NAME_RESERVED.format(name=name))
        if not isinstance(table, TableDefinition):
            raise _fail(errors.TABLE_NOT_DEFINITION.format(name=name, value=_describe(table)))
        checked[name] = table
    if schema_validation:
        for name, table in checked.items():
            _check_references(name, table)
    return SchemaDefinition(checked, bool(schema_validation))


def doc_validator(table_name: str, table: TableDefinition) -> Validator:
    """``table``'s document validator plus ``_id: v.id(table_name)`` and ``_creationTime``."""
    system: dict[str, Validator] = {"_id": v.id(table_name), "_creationTime": v.number()}
    validator = table.document_validator
    if isinstance(validator, VObject):
        return validator.extend(system)
    if isinstance(validator, VUnion):
        return VUnion(*(m.extend(system) for m in validator.members if isinstance(m, VObject)))
    return validator


# ---------------------------------------------------------------------------
# System tables (JS `_systemSchema`)
# ---------------------------------------------------------------------------

SYSTEM_TABLES: Final[dict[str, TableDefinition]] = {
    "_scheduled_functions": define_table(
        {
            "name": v.string(),
            "args": v.array(v.any()),
            "scheduledTime": v.float64(),
            "completedTime": v.optional(v.float64()),
            "state": v.union(
                v.object({"kind": v.literal("pending")}),
                v.object({"kind": v.literal("inProgress")}),
                v.object({"kind": v.literal("success")}),
                v.object({"kind": v.literal("failed"), "error": v.string()}),
                v.object({"kind": v.literal("canceled")}),
            ),
        }
    ),
    "_storage": define_table(
        {
            "sha256": v.string(),
            "size": v.float64(),
            # The JS schema says optional string, but stored documents hold null when the
            # upload had no Content-Type.
            "contentType": v.optional(v.nullable(v.string())),
        }
    ),
}
"""Schemas of the system tables ``_scheduled_functions`` and ``_storage``."""

SYSTEM_SCHEMA: Final = SchemaDefinition(dict(SYSTEM_TABLES))
"""A schema over :data:`SYSTEM_TABLES` (for ``validate_document`` on system writes)."""
