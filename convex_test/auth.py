"""``UserIdentity`` for ``t.with_identity(...)`` and ``ctx.auth``.

:func:`build_identity` fills Convex's defaults the way JS ``convex-test`` does, so the
same identity gets the same ``subject`` in both:

* ``issuer`` defaults to ``"https://convex.test"``;
* ``subject`` defaults to ``str(h)`` where ``h`` is the Java-style 32-bit
  ``String.hashCode`` (``h = 31*h + unit`` over UTF-16 code units, wrapped to a signed
  32-bit int) of ``JSON.stringify(identity)`` of the identity *as given* (keys in the
  order passed, before any default is added; JS number formatting).  It depends only on
  the identity's contents, never on the process: ``{}`` gives ``"3938"``;
* ``tokenIdentifier`` defaults to ``f"{issuer}|{subject}"`` (``UserIdentifier::construct``
  in the backend).

Standard fields are type-checked (strings; ``emailVerified`` and ``phoneNumberVerified``
booleans); any other key is a custom claim and is kept as a Convex value.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from convex_test import errors
from convex_test._guards import checked_arity
from convex_test.values.types import UNDEFINED, Int64, convert, copy_value

__all__ = ["DEFAULT_ISSUER", "Auth", "build_identity"]

DEFAULT_ISSUER: Final = "https://convex.test"

STRING_FIELDS: Final = (
    "tokenIdentifier",
    "subject",
    "issuer",
    "name",
    "givenName",
    "familyName",
    "nickname",
    "preferredUsername",
    "profileUrl",
    "pictureUrl",
    "websiteUrl",
    "email",
    "gender",
    "birthday",
    "timezone",
    "language",
    "phoneNumber",
    "address",
    "updatedAt",
)
BOOL_FIELDS: Final = ("emailVerified", "phoneNumberVerified")

# snake_case spellings of camelCase fields: almost surely a typo for the standard field
# (the backend maps the OIDC claims among them to camelCase), so refuse them.
_SNAKE_CASE: Final = {
    "token_identifier": "tokenIdentifier",
    "given_name": "givenName",
    "family_name": "familyName",
    "preferred_username": "preferredUsername",
    "profile_url": "profileUrl",
    "picture_url": "pictureUrl",
    "website_url": "websiteUrl",
    "email_verified": "emailVerified",
    "phone_number": "phoneNumber",
    "phone_number_verified": "phoneNumberVerified",
    "updated_at": "updatedAt",
}


def build_identity(identity: Mapping[str, Any] | None = None, /, **claims: Any) -> dict[str, Any]:
    """A complete ``UserIdentity`` dict from a partial one (keywords override the mapping).

    Raises :class:`~convex_test.errors.ConvexTestError` for a non-mapping identity, a
    badly typed standard field or a snake_case spelling of one, and
    :class:`~convex_test.errors.UnsupportedValueError` for a claim that is not a Convex
    value.  The result is a fresh deep copy.
    """
    if identity is None:
        identity = {}
    if not isinstance(identity, Mapping):
        raise errors.ConvexTestError(errors.IDENTITY_NOT_MAPPING.format(value=_describe(identity)))
    merged = {**identity, **claims}
    given: dict[str, Any] = convert(merged)  # checks keys, drops UNDEFINED, deep-copies
    for key in given:
        if key in _SNAKE_CASE:
            raise errors.ConvexTestError(
                errors.IDENTITY_SNAKE_CASE.format(field=key, camel=_SNAKE_CASE[key])
            )
    for key in STRING_FIELDS:
        if key in given and not isinstance(given[key], str):
            raise errors.ConvexTestError(
                errors.IDENTITY_FIELD_TYPE.format(
                    field=key, expected="a string", value=_describe(given[key])
                )
            )
    for key in BOOL_FIELDS:
        if key in given and not isinstance(given[key], bool):
            raise errors.ConvexTestError(
                errors.IDENTITY_FIELD_TYPE.format(
                    field=key, expected="a bool", value=_describe(given[key])
                )
            )
    result = dict(given)
    subject = result.setdefault("subject", str(_java_string_hash(_js_stringify(given))))
    issuer = result.setdefault("issuer", DEFAULT_ISSUER)
    result.setdefault("tokenIdentifier", f"{issuer}|{subject}")
    return result


@checked_arity("ctx.auth")
class Auth:
    """``ctx.auth``: the identity of the current call, or none."""

    __slots__ = ("_identity",)

    def __init__(self, identity: Mapping[str, Any] | None = None) -> None:
        """``identity`` is a complete identity (see :func:`build_identity`) or ``None``."""
        self._identity = None if identity is None else copy_value(dict(identity))

    def get_user_identity(self) -> dict[str, Any] | None:
        """The ``UserIdentity`` dict (a fresh copy), or ``None`` when unauthenticated."""
        if self._identity is None:
            return None
        result: dict[str, Any] = copy_value(self._identity)
        return result

    def __repr__(self) -> str:
        if self._identity is None:
            return "<Auth unauthenticated>"
        return f"<Auth {self._identity.get('tokenIdentifier')!r}>"


def _describe(value: Any) -> str:
    from convex_test.values.display import display_value

    try:
        return display_value(value)
    except Exception:
        return f"<{type(value).__name__} object>"


def _java_string_hash(text: str) -> int:
    """Java's ``String.hashCode`` (what JS convex-test's ``simpleHash`` computes)."""
    h = 0
    data = text.encode("utf-16-le", "surrogatepass")
    for i in range(0, len(data), 2):
        h = (31 * h + (data[i] | data[i + 1] << 8)) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def _js_stringify(value: Any) -> str:
    """``JSON.stringify`` of a canonical Convex value, with JS number formatting."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Int64):
        return str(int(value))  # JS cannot stringify a bigint; any stable text will do
    if isinstance(value, (int, float)):
        return _js_number(float(value))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bytes):
        return json.dumps(base64.b64encode(value).decode("ascii"))
    if isinstance(value, list):
        return "[" + ",".join(_js_stringify(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (
            json.dumps(k, ensure_ascii=False) + ":" + _js_stringify(v)
            for k, v in value.items()
            if v is not UNDEFINED
        )
        return "{" + ",".join(items) + "}"
    return json.dumps(str(value), ensure_ascii=False)


def _js_number(x: float) -> str:
    """ECMAScript ``Number::toString`` (shortest round-trip digits, JS exponent rules)."""
    if math.isnan(x) or math.isinf(x):
        return "null"  # JSON.stringify(NaN) === "null"
    if x == 0:
        return "0"
    _, digit_tuple, exponent = Decimal(repr(abs(x))).normalize().as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple))
    k = len(digits)
    n = exponent + k  # value = 0.<digits> * 10**n
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return ("-" if x < 0 else "") + text
