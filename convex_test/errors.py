"""Every error class and every error text of convex_test lives here.

Texts follow the real Convex backend's wording (see docs/divergences.md where they
differ).  Helpers below build the messages so that callers never format them ad hoc.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

__all__ = [
    "ArgumentValidationError",
    "ConvexError",
    "ConvexTestError",
    "InvalidCursorError",
    "InvalidIdError",
    "ReturnsValidationError",
    "SchemaDefinitionError",
    "SchemaValidationError",
    "UnsupportedValueError",
    "ValidationError",
    "did_you_mean",
]


class ConvexError(Exception):
    """An application error carrying Convex-serialisable ``data`` (like JS ``ConvexError``)."""

    data: Any

    def __init__(self, data: Any = None) -> None:
        self.data = data
        super().__init__(_convex_error_message(data))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.data,))


def _convex_error_message(data: Any) -> str:
    if isinstance(data, str):
        return data
    try:
        from convex_test.values.json import to_json_compatible

        return json.dumps(to_json_compatible(data), separators=(",", ":"), ensure_ascii=False)
    except Exception:
        # Not a Convex value (the runner reports that); repr() itself may fail too
        # (huge ints, deep nesting, a raising __repr__).
        from convex_test.values.display import safe_repr

        return safe_repr(data)


class ConvexTestError(Exception):
    """Base class of every error the engine itself raises."""


class UnsupportedValueError(ConvexTestError):
    """A Python value that has no Convex counterpart, or breaks a value limit."""


class ValidationError(ConvexTestError):
    """A value that does not match a validator (bare, outside args/returns/schema)."""


class ArgumentValidationError(ValidationError):
    """Function arguments do not match the function's ``args`` validator."""


class ReturnsValidationError(ValidationError):
    """A function's return value does not match its ``returns`` validator."""


class SchemaValidationError(ValidationError):
    """A write does not match the schema, or targets a table missing from it."""


class SchemaDefinitionError(ConvexTestError):
    """An invalid validator, table or schema definition."""


class InvalidIdError(ConvexTestError):
    """A malformed document ID, or the ID of another table where a table is given."""


class InvalidCursorError(ConvexTestError, ConvexError):
    """A garbled pagination cursor, or a cursor of another query.

    Like the real backend this is also a :class:`ConvexError` whose data is
    ``{"isConvexSystemError": True, "paginationError": "InvalidCursor"}``.
    """

    def __init__(self, message: str) -> None:
        self.data = {"isConvexSystemError": True, "paginationError": "InvalidCursor"}
        Exception.__init__(self, message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self),))


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """Return `` Did you mean `x`?`` for the closest candidate, or ``""``.

    Never guesses silently: the hint only decorates an error message.
    """
    choices = [c for c in candidates if c != name]
    if not choices:
        return ""
    from rapidfuzz import fuzz, process, utils

    best = process.extractOne(
        name, choices, scorer=fuzz.WRatio, processor=utils.default_process, score_cutoff=60
    )
    if best is None:
        return ""
    return f" Did you mean `{best[0]}`?"


# ---------------------------------------------------------------------------
# Message templates (Convex wording).  Keep every engine-raised text here.
# ---------------------------------------------------------------------------

UNSUPPORTED_TYPE = "{value} is not a supported Convex type{path}."
NOT_STRING_KEY = "Convex object keys must be strings, got {key}{path}."
INT_OUT_OF_FLOAT_RANGE = (
    "Integer {value} is outside the range of a Convex Float64 (-2^53 to 2^53){path}. "
    "Consider using Int64(...) and a v.int64() validator for 64-bit integers."
)
INT64_OUT_OF_RANGE = "Int64 value {value} does not fit in a signed 64-bit integer."
INT64_NOT_INT = "Int64 requires an int, got {value!r}."
FIELD_STARTS_WITH_DOLLAR = "Field name {name} starts with a '$', which is reserved{path}."
FIELD_NOT_ASCII = (
    "Field name {name} has invalid character {char!r}: Field names can only contain "
    "non-control ASCII characters{path}."
)
FIELD_TOO_LONG = "Field name {name} is too long (length {length} > maximum length 1024){path}."
LONE_SURROGATE = "String {value} is not valid UTF-8 (it contains a lone surrogate){path}."
ARRAY_TOO_LONG = "Array length is too long ({length} > maximum length 8192){path}."
TOO_MANY_FIELDS = "Object has too many fields ({count} > maximum number 1024){path}."
TOO_NESTED = "Value is too nested (nested {depth} levels deep > maximum nesting 64){path}."
DOCUMENT_TOO_NESTED = "Document is too nested (nested {depth} levels deep > maximum nesting 16)"
VALUE_TOO_LARGE = "Value is too large ({size} > maximum size 1 MiB)"
UNDERSCORE_FIELD = (
    "Field '{name}' starts with an underscore, which is only allowed for system fields like '_id'"
)
INVALID_DOCUMENT = "{value} isn't a valid document: {reason}"

# --- function execution (engine/execution.py, engine/context.py) ---
WRONG_KIND = "Trying to execute {path} as {expected}, but it is defined as {actual}."
CANNOT_CALL = "Cannot call a {callee} function from a {caller} function"
CALL_DEPTH = (
    "Cross component call depth limit exceeded: function calls may nest at most {limit} deep "
    "(while calling {path})."
)
ARGS_NOT_OBJECT = (
    "Expected to receive an object as the function's argument. Instead received: {value}"
)
RETURNED_QUERY = (
    "Return value is a Query. Results must be retrieved with `.collect()`, `.take(n)`, "
    "`.unique()`, or `.first()`."
)
CTX_MISSING = "ctx.{name} is not available in {article} {kind} function. {hint}"
CONVEX_ERROR_INVALID_DATA = "ConvexError with invalid data: {reason}"
INLINE_NOT_CALLABLE = (
    'Expected a function reference, a path string like "messages:send", a function '
    "defined with @query/@mutation/@action, or an inline handler taking ctx; got {value}."
)

# --- http (convex_test/http/router.py, convex_test/http/transport.py) ---
ROUTE_REQUIRES_HANDLER = "route requires handler"
ROUTE_REQUIRES_METHOD = "route requires method"
ROUTE_METHOD_NOT_ALLOWED = "'{method}' is not an allowed HTTP method (like GET, POST, PUT etc.)"
ROUTE_PATH_AND_PREFIX = "Invalid httpRouter route: cannot contain both 'path' and 'path_prefix'"
ROUTE_NO_PATH = "Invalid httpRouter route entry: must contain either field 'path' or 'path_prefix'"
ROUTE_NOT_STRING = "{field} must be a string, got {value!r}"
ROUTE_PATH_NO_SLASH = "path '{path}' does not start with a /"
ROUTE_PATH_RESERVED = "path '{path}' is reserved"
ROUTE_PREFIX_NO_SLASH = "pathPrefix '{prefix}' does not start with a /"
ROUTE_PREFIX_NO_TRAILING_SLASH = "pathPrefix {prefix} must end with a /"
ROUTE_PREFIX_RESERVED = "pathPrefix '{prefix}' is reserved"
ROUTE_PATH_IN_USE = "Path '{path}' for method {method} already in use"
ROUTE_PREFIX_IN_USE = "{method} pathPrefix {prefix} is already defined"
HTTP_NO_ROUTER = "This Convex deployment does not have HTTP actions enabled."
HTTP_NO_ROUTE = "No HttpAction routed for {path}"
HTTP_SERVER_ERROR = "[Request ID: {request_id}] Server Error: Uncaught {name}{message}"
HTTP_BAD_RESPONSE = "HTTP action handler must return an httpx.Response, got {got}"
HTTP_FILE_NOT_FOUND = "File {storage_id} not found"
HTTP_UPLOAD_NO_TOKEN = "Failed to deserialize query string: missing field `token`"
HTTP_BAD_SITE_URL = (
    "The site URL must be an absolute http(s) URL like https://x.convex.site, got {url!r}"
)
HTTP_FETCH_BAD_PATH = (
    "Path given to `t.fetch` must start with a `/` or be a URL on the site URL {site}, got {path!r}"
)
HTTP_FOREIGN_ORIGIN = (
    "{url} is not on the Convex site URL {site}: only the deployment's own HTTP actions and "
    "storage URLs are reachable here. Mock other hosts with respx."
)
HTTP_FETCH_BAD_METHOD = "HTTP method must be a non-empty string, got {method!r}"
HTTP_FETCH_CONTENT_AND_JSON = "Pass either content= or json= to `t.fetch`, not both"
HTTP_FETCH_BAD_REQUEST = "Invalid request for `t.fetch`: {reason}"
HTTP_NOT_A_ROUTER = "Expected an HttpRouter (the default export of http.py), got {value!r}"

# --- values-ids (convex_test/ids.py, convex_test/values/size.py, convex_test/values/json.py) ---
ID_DECODE = "Unable to decode ID: {reason}"
ID_BAD_TABLE_NUMBER = "Invalid table number {value!r}: expected an int from 1 to 4294967295"
ID_BAD_INTERNAL = "An internal ID must be exactly 16 bytes, got {value!r}"
DOCUMENT_NOT_OBJECT = "{value} isn't a valid document: a document must be an object"
JSON_DECODE = "Invalid Convex JSON{path}: {reason}"
JSON_SPECIAL_NOT_STRING = "{tag} must hold a base64 string, got {value}"
JSON_BAD_BASE64 = "{tag} holds {value!r}, which is not standard base64 with padding"
JSON_NOT_EIGHT_BYTES = "{kind} must be exactly eight bytes"
JSON_FLOAT_SHOULD_BE_NUMBER = "Float64 {value} should be encoded as a number"
JSON_NUMBER_RANGE = "the number {value} does not fit in a Float64"
JSON_NOT_FINITE = (
    '{value} is not a JSON number; NaN, inf and -inf are written as {{"$float": <base64>}}'
)
JSON_NOT_JSON = "{value} is not a JSON value (expected null, bool, number, str, list or dict)"

# --- search (convex_test/search/text.py, convex_test/search/vector.py) ---
# Field paths are shown the way Convex prints a FieldPath: in double quotes, e.g. "author.name".
SEARCH_INCORRECT_SEARCH_FIELD = (
    "Search query against {index} contains a search filter against {field}, which doesn't "
    "match the indexed `searchField` {search_field}."
)
SEARCH_DUPLICATE_SEARCH_FILTERS = (
    "Search query against {index} contains multiple search filters against {field}. "
    "Only one is allowed."
)
SEARCH_INCORRECT_FILTER_FIELD = (
    "Search query against {index} contains an equality filter on {field} but that field "
    "isn't indexed for filtering in `filterFields`. The index's filterFields are "
    "{filter_fields}.{hint}"
)
SEARCH_MISSING_SEARCH_FILTER = (
    "Search query against {index} does not contain any search filters. You must include a "
    "search filter like `q.search({search_field}, searchText)`."
)
SEARCH_TOO_MANY_FILTERS = (
    "Search query against {index} has too many filter conditions. Max: {max} Actual: {count}"
)
SEARCH_SCANNED_TOO_MANY = (
    "Search query scanned too many documents (fetched {max}). Consider using a smaller limit, "
    "paginating the query, or using a filter field to limit the number of documents pulled "
    "from the search index."
)
SEARCH_QUERY_NOT_STRING = "The search text of a search query must be a string, got {value}."
SEARCH_BAD_FILTER = (
    "A search filter must be a (field path, value) pair with a string field path, got {value}."
)
VECTOR_LIMIT_TOO_LARGE = "Vector queries can fetch at most {max} results, requested {limit}."
VECTOR_LIMIT_INVALID = "Vector query `limit` must be an integer from 1 to {max}, received {limit}."
VECTOR_DIMENSIONS_MISMATCH = "Expected a vector with dimensions {expected}, received {actual}."
VECTOR_EMPTY = "`vector` must be a non-empty Array in vectorSearch"
VECTOR_NOT_ARRAY = "`vector` must be a list of numbers in vectorSearch, got {value}."
VECTOR_BAD_ELEMENT = (
    "`vector` must contain only finite numbers (float or int), found {value} at index {index}."
)
VECTOR_INCORRECT_FILTER_FIELD = (
    "Vector query against {index} contains a filter on {field} but that field isn't indexed "
    "for filtering in `filterFields`. The index's filterFields are {filter_fields}.{hint}"
)
VECTOR_TOO_MANY_CONDITIONS = (
    "Vector query against {index} has too many conditions. Max: {max} Actual: {count}"
)
VECTOR_INVALID_FILTER = "Filters should be a combination of `q.eq` and `q.or`."
VECTOR_UNSUPPORTED_OPERATOR = (
    "Filters should be a combination of `q.eq` and `q.or`: `q.{operator}` is not supported "
    "in a vector search filter."
)
VECTOR_EQ_ARGS = "`q.eq` must take a field path as its first argument and a value as its second"
VECTOR_FILTER_RESULT = (
    "Filters should be a combination of `q.eq` and `q.or`: the filter function returned {value}."
)
SEARCH_DOC_ALREADY_INDEXED = (
    "Document {id} is already in {index}; remove it before adding it again."
)
SEARCH_DOC_NOT_INDEXED = "Document {id} is not in {index}."
SEARCH_BAD_DOCUMENT = "Expected a document id (str) and a document (dict), got {id!r} and {doc}."
SEARCH_BAD_LIMIT = "A search result limit must be a non-negative int or None, got {value}."
SEARCH_BAD_INDEX_FIELDS = (
    "A {kind} index needs a string field path and a list of string filter field paths, "
    "got {field} and {filter_fields}."
)

# ---------------------------------------------------------------------------
# functions.py / discovery.py / auth.py (helper "functions")
# ---------------------------------------------------------------------------

FUNCTION_NOT_FOUND = 'Could not find function for "{path}"{where}.{hint}'
COMPONENT_NOT_REGISTERED = 'Component "{name}" is not registered. Call t.register_component(...)'
INVALID_FUNCTION_PATH = (
    'Invalid function path {path}: expected "module:function" (e.g. "messages:send" or '
    '"admin/users:ban"), or "module" for its `default` export.'
)
INVALID_FUNCTION_NAME = (
    "Expected a function reference (api.module.function), a function path string "
    '("module:function") or a Convex function, got {value}.'
)
FUNCTION_NOT_REGISTERED = (
    "{function} is not registered in this backend: it is not exported by a module of the "
    "functions directory{where}. Define it at module level in a functions module, or pass "
    "a plain function (not a Convex function) to run it inline."
)
FUNCTION_CALLED_DIRECTLY = (
    "{function} is a Convex {kind} and cannot be called directly. {how} "
    "The undecorated handler is available as `.handler`."
)
REFERENCE_CALLED = (
    "{ref} is a function reference and cannot be called. Use it in t.query/t.mutation/"
    "t.action(ref, args) or ctx.run_query/run_mutation/run_action(ref, args)."
)
REFERENCE_TOO_SHORT = (
    "{ref} is not a function reference: expected the form {form} (the last attribute is "
    "the exported function)."
)
ARGS_NOT_OBJECT_VALIDATOR = "args must be an object validator or v.any(), got {value}."
RETURNS_NOT_VALIDATOR = "returns must be a validator or a dict of validators, got {value}."
ARGS_FIELD_NOT_VALIDATOR = "{what}[{field!r}] must be a validator (e.g. v.string()), got {value}."
HANDLER_NOT_CALLABLE = "The handler of a Convex {kind} must be a function, got {value}."
HANDLER_BAD_SIGNATURE = (
    "The handler of a Convex {kind} must accept {params}, but {name}{signature} does not."
)
INVALID_COMPONENT_NAME = (
    "Invalid component name {name!r}: a component name must start with a letter and "
    "contain only letters, digits and underscores."
)
DUPLICATE_COMPONENT_NAME = 'Component "{name}" is already used by this app.'
MODULES_NOT_FOUND = (
    "Could not find the functions directory or package {modules!r}: no directory {path} "
    "exists and no package of that name can be imported."
)
MODULES_NOT_PACKAGE = (
    "modules= must be a functions directory, a package name or a package, but {name!r} is "
    "a plain module (not a package)."
)
SPECIAL_MODULE_MISSING = "{file} in the functions directory {root} must define `{name}` ({hint})."
SPECIAL_MODULE_WRONG_TYPE = "`{name}` in {file} must be {expected}, got {value}."
IDENTITY_NOT_MAPPING = "An identity must be a dict of UserIdentity fields, got {value}."
IDENTITY_FIELD_TYPE = "Identity field `{field}` must be {expected}, got {value}."
IDENTITY_SNAKE_CASE = (
    "Identity field `{field}` is spelled in snake_case; UserIdentity fields are camelCase: "
    "use `{camel}`."
)

# --- scheduler (convex_test/scheduler/clock.py, convex_test/scheduler/crons.py) ---
CLOCK_BAD_DELTA = (
    "advance_time: the delta must be a finite number of milliseconds >= 0 or a timedelta "
    ">= 0, got {value}"
)
CLOCK_BAD_TIME = (
    "set_time: the time must be a finite number of milliseconds since the Unix epoch or a "
    "datetime, between the years 1 and 9999, got {value}"
)
CRON_INVALID_IDENTIFIER = (
    "Invalid cron identifier {name}: use ASCII letters that are not control characters"
)
CRON_DUPLICATE = "Cron identifier registered twice: {name}"
CRON_INTERVAL_UNITS = "Must specify one of seconds, minutes, or hours"
CRON_INTERVAL_VALUE = "Interval must be an integer greater than 0"
CRON_HOUR = "Hour of day must be an integer from 0 to 23"
CRON_MINUTE = "Minute of hour must be an integer from 0 to 59"
CRON_DAY_OF_MONTH = "Day of month must be an integer from 1 to 31"
CRON_DAY_OF_WEEK = 'Day of week must be a string like "monday".'
CRON_ARGS_NOT_OBJECT = "The arguments to a Convex function must be an object. Received: {value}"
CRON_ARGS_TOO_LARGE = "Cron job args too large ({size} bytes > maximum size 1 MiB)"
CRON_SCHEDULE_NOT_DICT = (
    "The schedule of the {kind} cron job {name!r} must be a dict like {example}, got {value}"
)
CRON_SCHEDULE_UNKNOWN_KEY = (
    "Unknown key {key!r} in the schedule of the {kind} cron job {name!r} "
    "(allowed: {allowed}).{hint}"
)
CRON_NO_REF = "The {kind} cron job {name!r} needs a function reference to run, got {value}"
CRON_SPEC_NOT_STRING = 'A cron spec must be a string like "0 16 1 * *", got {value}'
CRON_PARSE = 'Failed to parse cron expression "{spec}": {reason}'
CRON_NEVER_MATCHES = 'The cron spec "{spec}" will never match any time'
CRON_BAD_TIME = "Cron schedule times must be finite milliseconds since the Unix epoch, got {value}"
CRON_PAST_YEAR_9999 = 'The cron spec "{spec}" has no run between {when} and the year 9999'

# ---------------------------------------------------------------------------
# schema (helper "validators-schema"): convex_test/schema/validators.py, definition.py
# ---------------------------------------------------------------------------

# Validation failures (backend `ValidationError` Display).  ``{ctx}`` is "" or "Path: .a[0]".
VALIDATOR_NO_MATCH = (
    "Value does not match validator.\n{ctx}\nValue: {value}\nValidator: {validator}"
)
VALIDATOR_MISSING_FIELD = (
    "Object is missing the required field `{field}`. Consider wrapping the field validator in "
    "`v.optional(...)` if this is expected.\n{ctx}\nObject: {obj}\nValidator: {validator}"
)
VALIDATOR_EXTRA_FIELD = (
    "Object contains extra field `{field}` that is not in the validator.\n{ctx}\n"
    "Object: {obj}\nValidator: {validator}"
)
VALIDATOR_LITERAL = "`{value}` does not match literal validator `v.literal({literal})`.{ctx}"
VALIDATOR_ID_OTHER_TABLE = (
    'Found ID "{id}" from table `{found}`, which does not match the table name in validator '
    '`v.id("{table}")`.{ctx}'
)
VALIDATOR_ID_SYSTEM_TABLE = (
    'Found ID "{id}" from a system table, which does not match the table name in validator '
    '`v.id("{table}")`.{ctx}'
)
INT64_OUT_OF_RANGE_AT = "Int64 value {value} does not fit in a signed 64-bit integer{path}."
SCHEMA_DOCUMENT_MISMATCH = (
    'Failed to insert or update a document in table "{table}" because it does not match the '
    "schema: {error}"
)

# Identifier rules (sync_types identifier.rs); ``{char}`` is a Rust char literal like '-'.
IDENTIFIER_EMPTY = "Identifier cannot be empty"
IDENTIFIER_FIRST_CHAR = (
    "Invalid first character {char} in {name}: Identifiers must start with an alphabetic "
    "character or underscore"
)
IDENTIFIER_BAD_CHAR = (
    "Identifier {name} has invalid character {char}: Identifiers can only contain alphanumeric "
    "characters or underscores"
)
IDENTIFIER_TOO_LONG = "Identifier is too long ({length} > maximum 64)"
IDENTIFIER_UNDERSCORES = "Identifier {name} cannot have exclusively underscores"

# Validator construction (convex/values validators.ts and the backend's schemas/json.rs).
NOT_A_VALIDATOR = "{where} must be a validator, got {value}.{hint}"
ID_TABLE_NOT_STRING = "v.id(tableName) requires a string, got {value}."
LITERAL_BAD_TYPE = "v.literal(value) must be a string, number, or boolean, got {value}."
LITERAL_NOT_FINITE = "Infinite or NaN values are not supported in literal validators."
RECORD_OPTIONAL_KEYS = "Record validator cannot have optional keys"
RECORD_OPTIONAL_VALUES = "Record validator cannot have optional values"
RECORD_NON_STRING_KEYS = (
    "Records can only have string keys. Your validator contains a record with key typed as "
    "`{keys}`, which is not a subtype of `v.string()`"
)
RECORD_LITERAL_KEYS = "Records cannot have string literal keys"
OBJECT_FIELDS_NOT_DICT = "v.object() takes a dict of field name -> validator, got {value}."
OBJECT_FIELD_NAME_NOT_STRING = "v.object() field names must be strings, got {value}."
OBJECT_UNKNOWN_FIELD = (
    "Cannot {op}() field `{field}`: the object validator has no such field.{hint}"
)
VALIDATOR_TOO_DEEP = "Validator is nested too deeply (more than {limit} levels)."

# Schema definition (backend schemas/mod.rs, index_validation_error.rs).  A TableDefinition
# does not know its name while it is built, so table-level texts say "this table".
DOCUMENT_VALIDATOR_INVALID = (
    "The document validator in a schema must be an object, a union of objects, or `v.any()`. "
    "Found {validator}. To learn more, see the schema documentation at "
    "https://docs.convex.dev/database/schemas."
)
INVALID_TABLE_NAME = (
    'Invalid table name: "{name}". Identifiers must start with a letter and can only contain '
    "letters, digits, and underscores."
)
TABLE_NAME_RESERVED = "{name} is a reserved table name."
TABLE_NOT_DEFINITION = 'Table "{name}" must be defined with define_table(...), got {value}.'
SCHEMA_TABLES_NOT_DICT = (
    "define_schema() takes a dict of table name -> define_table(...), got {value}."
)
INVALID_INDEX_NAME = (
    'Invalid index name: "{name}". Identifiers must be 64 characters or less, start with a '
    "letter, and only contain letters, digits, underscores."
)
INDEX_NAME_RESERVED = (
    'In this table cannot name an index "{name}" because the name is reserved. Indexes may not '
    'start with an underscore or be named "by_id" or "by_creation_time".'
)
INDEX_NAMES_NOT_UNIQUE = 'This table has two or more definitions of index "{name}".'
TOO_MANY_INDEXES = "This table cannot have more than {limit} indexes."
EMPTY_INDEX = 'In this table index "{name}" must have at least one field.'
INDEX_NOT_UNIQUE = (
    'In this table index "{index1}" and index "{index2}" have the same fields. Indexes must be '
    "unique within a table."
)
SEARCH_INDEX_NOT_UNIQUE = (
    'In this table search index "{index1}" and search index "{index2}" have the same '
    "`searchField`. Search index fields must be unique within a table. You should combine the "
    "indexes with the same `searchField` into one index containing all `filterField`s and then "
    "use different subsets of the `filterField`s at query time."
)
VECTOR_INDEX_NOT_UNIQUE = (
    'In this table vector index "{index1}" and vector index "{index2}" have the same '
    "`vectorField`. Vector index fields must be unique within a table. You should combine the "
    "indexes with the same `vectorField` into one index containing all `filterField`s and then "
    "use different subsets of the `filterField`s at query time."
)
INDEX_FIELDS_NOT_LIST = (
    'In index "{index}": {what} must be a list of field paths (str), got {value}.{hint}'
)
INVALID_INDEX_FIELD = 'In index "{index}": Invalid index field: "{field}"'
INDEX_FIELD_DUPLICATE = (
    'In index "{index}": Duplicate field "{field}". Index fields must be unique within an index.'
)
INDEX_FIELD_ID = (
    'In index "{index}": `_id` is not a valid index field. To load documents by ID, use '
    "`db.get(id)`."
)
INDEX_FIELD_CREATION_TIME = (
    'In index "{index}": `_creationTime` is automatically added to the end of each index. It '
    "should not be added explicitly in the index definition. See "
    "https://docs.convex.dev/using/indexes for more details."
)
INDEX_FIELD_RESERVED = (
    'In index "{index}": Reserved fields (starting with `_`) are not allowed in indexes.'
)
INDEX_TOO_MANY_FIELDS = 'In index "{index}": Indexes may have up to {limit} fields.'
INDEX_TOO_MANY_FILTER_FIELDS = (
    'In index "{index}": Search indexes may have up to {limit} filter fields.'
)
INDEX_MISSING_ARGUMENT = 'In index "{index}": {what} is required.'
VECTOR_DIMENSIONS_NOT_INT = 'In index "{index}": `dimensions` must be an integer, got {value}.'
VECTOR_DIMENSIONS_OUT_OF_RANGE = "Dimensions {value} must be between 2 and 4096."
INDEX_FIELD_DOES_NOT_EXIST = (
    'In table "{table}" the index "{index}" is invalid because it references the field '
    '"{field}" that does not exist.'
)
VECTOR_FIELD_NOT_FLOAT_ARRAY = (
    'In table "{table}" the vector index "{index}" is invalid because it references the field '
    '"{field}" that is neither an array of float64 or optional array of float64.'
)
SEARCH_FIELD_NOT_STRING = (
    'In table "{table}" the search index "{index}" is invalid because it references the field '
    '"{field}" that can never be a string.'
)

# --- storage (convex_test/storage/) and HTTP actions end to end (helper "http") ---
STORAGE_ID_NOT_FOUND = "storage id {storage_id} not found"
STORAGE_ARGUMENT = "Invalid argument `storageId` for `{method}`: "
STORAGE_INVALID_ID = (
    "Invalid storage ID: \"{storage_id}\". Storage ID should be an Id of '_storage' table, "
    "or a UUID string."
)
STORAGE_ID_NOT_STRING = (
    'Invalid storage ID: expected a string (an Id<"_storage"> or a storage UUID), got {value}.'
)
STORAGE_ID_OTHER_TABLE = (
    "Invalid storage ID. Storage ID cannot be an ID on any table other than '_storage'."
)
STORAGE_DATA_NOT_BYTES = (
    "ctx.storage.store expects the file contents as bytes (or bytearray / memoryview), "
    "got {type}.{hint}"
)
STORAGE_DATA_STR_HINT = ' Encode text first, e.g. ctx.storage.store(text.encode(), "text/plain").'
STORAGE_CONTENT_TYPE = (
    'content_type must be a str (a MIME type like "image/png") or None, got {value}.'
)
STORAGE_BAD_SHA256 = (
    "sha256 must be the SHA-256 digest of the contents as base64 (44 characters) or hex "
    "(64 characters), got {value}."
)
STORAGE_SHA256_MISMATCH = "Sha256 mismatch. Expected: {expected} Actual: {actual}"
STORAGE_METHOD_MISSING = "ctx.storage.{name} is not available in {article} {kind} function. {hint}"
STORAGE_TOKEN_INVALID = "Couldn't decode the StoreFileAuthorization token"
STORAGE_TOKEN_EXPIRED = "Store File Authorization expired"
STORAGE_INVALID_PATH = (
    'Invalid storage path: "{uuid}". Please use `storage.getUrl()` to generate a valid URL to '
    "retrieve files. See https://docs.convex.dev/file-storage/serve-files for more details"
)
HTTP_REQUEST_TOO_LARGE = (
    "Request body too large: HTTP actions accept request bodies up to 20 MiB "
    "({limit} bytes), got {size} bytes."
)
HTTP_RESPONSE_TOO_LARGE = (
    "HttpResponseTooLarge: HTTP actions support responses up to 20 MiB ({limit} bytes), "
    "got {size} bytes."
)

# --- Hypothesis strategies (convex_test/strategies/) ---
STRATEGY_NOT_A_VALIDATOR = (
    "{where} expects a validator such as v.string() or v.object({{...}}), got {value}."
)
STRATEGY_NO_VALUE = "No value matches {validator}{reason}."
STRATEGY_TOO_DEEP = (
    " within the nesting limit of {limit} levels{what} (its required fields nest too deeply)"
)
STRATEGY_UNKNOWN_FIELD = "Cannot override `{field}`: {what} has no such field.{hint}"
STRATEGY_UNKNOWN_TABLE = 'Table "{table}" is not in the schema. Tables: {tables}.{hint}'
STRATEGY_NEEDS_T = (
    "args_for({ref}) needs a t to resolve a function reference: args_for({ref}, t). "
    "Or pass the function object itself."
)
STRATEGY_NOT_A_BACKEND = "Expected a t from convex_test(), a Backend or a Store, got {value}."
STRATEGY_NOT_A_FUNCTION = (
    "args_for() expects a Convex function, a reference like api.messages.send or a path "
    'string like "messages:send", got {value}.'
)
STRATEGY_HTTP_ACTION = (
    "args_for({ref}): HTTP actions take an httpx.Request, not args. Use t.fetch(...) instead."
)
STRATEGY_CANNOT_INFER = (
    "Cannot infer `{field}` (...): {ref} has no args validator. Give a value or a strategy."
)

# --- data-layer (convex_test/engine/{store,transaction,database,query,filters,pagination}.py) ---
DB_ARG = "Invalid argument `{arg}` for `{method}`: {cause}"
DB_ID_NOT_STRING = "Invalid argument `id` for `{method}`, expected string but got '{kind}': {value}"
DB_EXPECTED_STRING = "expected a string, got {value}"
DB_TABLE_FOR_ID_NOT_FOUND = 'Table for ID "{id}" not found'
DB_WRONG_TABLE = 'expected to be an Id<"{expected}">, got Id<"{actual}"> instead.'
DB_VALUE_NOT_OBJECT = "Value must be an Object"
DB_SYSTEM_TABLE_GUARD = "System tables can only be accessed with db.system."
DB_USER_TABLE_GUARD = "User tables cannot be accessed with db.system."
DB_SYSTEM_READ_ONLY = "System tables (prefixed with `_`) are read-only."
DB_SYSTEM_TABLE_PREFIX = "Invalid table name {table} starts with metadata prefix '_'"
DB_NORMALIZE_ID_ACCESS = "{kind} tables can only be accessed from db.{prefix}normalizeId()."
DB_QUERY_ACCESS = "{kind} tables can only be accessed from db.{prefix}query()."
DB_ID_MISMATCH = "Provided document ID {id} doesn't match '_id' field {given}"
DB_CREATION_TIME_MISMATCH = (
    "Provided creation time {creation_time} doesn't match '_creationTime' field {given}"
)
DB_UPDATE_NONEXISTENT = "Update on nonexistent document ID {id}"
DB_REPLACE_NONEXISTENT = "Replace on nonexistent document ID {id}"
DB_DELETE_NONEXISTENT = "Delete on nonexistent document ID {id}"
DB_TABLE_NOT_IN_SCHEMA = (
    'Failed to insert or update a document in table "{table}" because it does not match the '
    'schema: Table "{table}" is not in the schema.{hint}'
)
DB_READER_WRITE = (
    "ctx.db.{method} is not available in a query: queries are read-only. Write from a "
    "mutation (or call one with ctx.run_mutation from an action)."
)
DB_ARITY = "db.{method} takes {forms}, got {count} arguments"
TXN_CLOSED = "Transaction already committed or rolled back"
TXN_READ_ONLY = "{method} is not allowed in a read-only transaction: queries cannot write."
TXN_UNKNOWN_SAVEPOINT = "Unknown savepoint {savepoint!r}"
TXN_NAMESPACE_NOT_STR = "A namespace path must be a str, got {value!r}"
TXN_NAMESPACE_EXISTS = 'Namespace "{path}" is already registered.'
TXN_NAMESPACE_UNKNOWN = 'Namespace "{path}" is not registered.{hint}'
OVER_LIMIT_HELP = (
    "Consider using smaller limits in your queries, paginating your queries, or using "
    "indexed queries with a selective index range expressions."
)
TOO_MANY_DOCUMENTS_READ = (
    "Too many documents read in a single function execution (limit: {limit}). {help}"
)
TOO_MANY_BYTES_READ = (
    "Too many bytes read in a single function execution (limit: {limit} bytes). {help}"
)
TOO_MANY_READS = "Too many reads in a single function execution (limit: {limit}). {help}"
TOO_MANY_WRITES = "Too many writes in a single function execution (limit: {limit})"
TOO_MANY_BYTES_WRITTEN = "Too many bytes written in a single function execution (limit: {limit})"
INDEX_NOT_FOUND = "Index {table}.{index} not found.{hint}"
INDEX_NOT_DATABASE = "Index {table}.{index} is not a database index"
INDEX_NOT_SEARCH = "Index {table}.{index} is not a search index"
INDEX_NOT_VECTOR = "Index {table}.{index} is not a vector index"
RANGE_ALREADY_DEFINED = (
    'Already defined {bound} bound in index range. Can\'t add "{field}" {comparator} {value}.'
)
RANGE_MULTIPLE_FIELDS = (
    "Upper and lower bounds in `range` can only be applied to a single index field. This "
    'query against index {index} attempted to set a range bound on both "{first}" and '
    '"{second}". Consider using `filter` instead. See https://docs.convex.dev/using/indexes '
    "for more info."
)
RANGE_FIELD_NOT_IN_INDEX = (
    'The index range included a comparison with "{field}", but {index} with fields '
    "{fields} doesn't index this field. For more information see "
    "https://docs.convex.dev/using/indexes."
)
RANGE_FIELDS_OUT_OF_ORDER = (
    "Tried to query index {index} but the query didn't use the index fields in order.\n"
    'Index fields: {fields}\nQuery fields: {query_fields}\nFirst incorrect field: "{field}"\n'
    "For more information see https://docs.convex.dev/using/indexes."
)
RANGE_BUILDER_REUSED = (
    "IndexRangeBuilder has already been used! Chain your method calls like "
    "`q => q.eq(...).eq(...)`. See https://docs.convex.dev/using/indexes"
)
RANGE_FN_RESULT = (
    "The index range function must return the range builder it was given (like "
    '`lambda q: q.eq("field", value)`), got {value}'
)
SEARCH_BUILDER_REUSED = (
    "SearchFilterBuilder has already been used! Chain your method calls like "
    "`q => q.search(...).eq(...)`."
)
SEARCH_FN_RESULT = (
    "The search filter function must return the search filter builder it was given, got {value}"
)
SEARCH_FN_MISSING = (
    "Arg 2 `searchFilter` to `withSearchIndex` must be a function like "
    '`lambda q: q.search("body", "hello")`'
)
SEARCH_ORDER = "Search queries must always be in relevance order. Can not set order manually."
QUERY_ARG = "Arg {position} `{name}` to `{method}` must be {expected}, got {value}"


def query_arg_error(
    position: int, name: str, method: str, expected: str, value: Any
) -> ConvexTestError:
    """A client-side argument-type error, e.g. "Arg 1 `tableName` to `query` must be ..."."""
    from convex_test.values.display import display_value

    return ConvexTestError(
        QUERY_ARG.format(
            position=position,
            name=name,
            method=method,
            expected=expected,
            value=display_value(value),
        )
    )


QUERY_CHAINED_ONCE = "A query can only be chained once and can't be chained after iteration begins."
QUERY_ITERATION_ONCE = "Iteration can only begin on a query once."
QUERY_CONSUMED = "This query is closed and can't emit any more values."
QUERY_CLOSED = "This query has been chained with another operator and can't be reused."
QUERY_ORDER_TWICE = "Queries may only specify order at most once"
QUERY_TOO_MANY_OPERATORS = "Can't construct query with more than {limit} operators"
QUERY_TAKE = "Arg 1 `n` to `take` must be a non-negative integer"
QUERY_UNIQUE = (
    "unique() query returned more than one result from table {table}:\n [{first}, {second}, ...]"
)
FILTER_PYTHON_OPERATOR = (
    "Filter expressions do not support Python's `{op}` operator. Build filter expressions "
    "with the builder's methods: q.eq(a, b), q.lt(a, b), q.and_(x, y), q.or_(x, y), "
    "q.not_(x), q.add(a, b), ..."
)
FILTER_NOT_BOOLEAN = "Cannot use value {value} (type {type}) as a Boolean"
FILTER_ARITH_TYPES = "Cannot {op} {left} (type {left_type}) and {right} (type {right_type})"
FILTER_BY_ZERO = "Cannot {op} {left} by zero"
FILTER_OVERFLOW = "Cannot {op} {left} and {right}: the result is out of range for Int64"
FILTER_NEGATE_OVERFLOW = "Cannot negate {value}: the result is out of range for Int64"
FILTER_NEGATE_TYPE = "Cannot negate {value} (type {type})"
FILTER_FIELD_PATH = (
    'q.field() takes a field path string like "author" or "profile.name", got {value}'
)
FILTER_PREDICATE = (
    "Arg 1 `predicate` to `filter` must be a function like "
    '`lambda q: q.eq(q.field("x"), 1)`, got {value}'
)
CURSOR_DIFFERENT_QUERY = (
    "InvalidCursor: Tried to run a query starting from a cursor, but it looks like this "
    "cursor is from a different query."
)
CURSOR_PARSE = "Failed to parse cursor"
PAGINATE_MULTIPLE = (
    "This query or mutation function ran multiple paginated queries. Convex only supports "
    "a single paginated query in each function."
)
PAGINATE_IN_COMPONENT = (
    "paginate() is only supported in the app. Learn more at "
    "https://docs.convex.dev/components/authoring#pagination"
)
PAGINATE_OPTIONS = (
    'Arg 1 `options` to `paginate` must be a dict like {{"numItems": 10, "cursor": None}}, '
    "got {value}"
)
PAGINATE_NUM_ITEMS = "`options.numItems` must be a positive number. Received `{value}`."
PAGINATE_BAD_ARG = "Invalid arguments for `queryPage`: {reason}"
PAGINATE_ZERO_ITEMS = "Must request at least 1 document while paginating"
PAGINATE_TOO_MANY_ITEMS = "Requested too many items: {count}"
PAGINATE_ZERO_LIMIT = "maximumRowsRead and maximumBytesRead must be greater than 0"

# ---------------------------------------------------------------------------
# components (engine/backend.py register_component, helper "components")
# ---------------------------------------------------------------------------

COMPONENT_PATH_EMPTY = (
    'A component needs a name, e.g. t.register_component("counter", modules=...); '
    '"" is the app itself.'
)
COMPONENT_ALREADY_REGISTERED = 'Component "{path}" is already registered.'
COMPONENT_PARENT_NOT_REGISTERED = (
    'Cannot register component "{path}": its parent component "{parent}" is not '
    'registered. Register "{parent}" first (a component of a component is mounted under '
    "its parent's path)."
)
COMPONENT_FUNCTION_INTERNAL = (
    'Could not find public function for "{path}" in component "{component}": '
    "components.* references reach only a component's public functions (its internal "
    "functions are callable from the component itself and from tests)."
)

# ---------------------------------------------------------------------------
# scheduled functions, time and crons end to end (convex_test/scheduler/jobs.py,
# helper "scheduler")
# ---------------------------------------------------------------------------
SCHEDULER_DELAY_NOT_NUMBER = "`delayMs` must be a number"
SCHEDULER_DELAY_NOT_FINITE = "`delayMs` must be a finite number"
SCHEDULER_DELAY_NEGATIVE = "`delayMs` must be non-negative"
SCHEDULER_BAD_TIME = (
    "The invoke time must a Date or a timestamp (a datetime or milliseconds since the "
    "epoch), got {value}"
)
SCHEDULER_TIME_NOT_FINITE = (
    "The invoke time must be a finite number of milliseconds since the epoch, got {value}"
)
SCHEDULER_ARGS_NOT_OBJECT = (
    "The arguments to a Convex function must be an object. Received: {value}"
)
SCHEDULER_TOO_FAR_FUTURE = "{when} is more than 5 years in the future"
SCHEDULER_TOO_FAR_PAST = "{when} is more than 5 years in the past"
SCHEDULER_NONEXISTENT_MODULE = (
    "Attempted to schedule function at nonexistent path: {component}{module}.{hint}"
)
SCHEDULER_NO_EXPORT = (
    "Attempted to schedule function, but no exported function {function} found in the "
    "file: {module}{where}. Did you forget to export it?{hint}"
)
SCHEDULER_NOT_SCHEDULABLE = (
    "Cannot schedule {path}: it is {article} {kind}, and only mutations and actions can be "
    "scheduled."
)
SCHEDULER_TOO_MANY = "Too many functions scheduled by this mutation (limit: {limit})"
SCHEDULER_ARGS_TOO_LARGE = (
    "Too large total size of the arguments of scheduled functions from this mutation "
    "(limit: {limit} bytes)"
)
SCHEDULER_BAD_JOB_ID = (
    "Invalid scheduled function ID. The ID must be an ID on the '_scheduled_functions' "
    "table, got {value}"
)
SCHEDULER_CANCEL_SELF = "A mutation cannot cancel itself"
SCHEDULER_TOO_MANY_ITERATIONS = (
    "{method}: too many iterations. Check for infinitely recursive scheduled functions, or "
    "increase max_iterations."
)
SCHEDULER_MAX_ITERATIONS = "{method}: max_iterations must be a positive integer, got {value}"
CRONS_NOT_CRONS = "crons.py{where} must define `crons = cron_jobs()`, got {value}"
CRON_TARGET = "Cron job {name!r}{where} cannot run: {reason}"
CRON_NOT_SCHEDULABLE = "{path} is {article} {kind}; cron jobs must run a mutation or an action."
CRON_UNKNOWN = "No cron job named {name!r}{where}.{hint}"
CRON_NONE_DEFINED = " No cron jobs are defined (crons.py with `crons = cron_jobs()`)."

# --- search end to end (convex_test/search/action.py, helper "search-e2e") ---
VECTOR_SEARCH_UNKNOWN_OPTION = (
    "Unknown vector search option `{key}`: the query takes `vector`, `limit` and `filter`.{hint}"
)

# --- bad-input QA (convex_test/_guards.py and its callers, helper "bad-input") ---
WRONG_ARGUMENTS = "{method}{signature} was called with the wrong arguments: {reason}"
CALLBACK_NOT_CALLABLE = "{what} must be a function like {example}, got {value}"
CALLBACK_BAD_SIGNATURE = "{what} {function} cannot be called as {form}: {reason}"
RANGE_FN_NOT_CALLABLE_WHAT = "Arg 2 `indexRange` to `withIndex`"
RANGE_FN_EXAMPLE = '`lambda q: q.eq("field", value)`'
SCHEMA_NOT_DEFINITION = (
    "schema must be a schema built with define_schema({{...}}) (or None for no schema), got {value}"
)
SCHEMA_VALIDATION_NOT_BOOL = "schema_validation must be True or False, got {value}"
STRATEGY_TABLE_NOT_STR = "documents() takes a table name string, got {value}"

# --- convex-test parity (convex_test/engine/context.py, helper "parity") ---
CTX_META_UNSUPPORTED = (
    "ctx.meta (getFunctionMetadata, getTransactionMetrics, ...) is not supported by convex_test."
)
