from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convex_test.auth import DEFAULT_ISSUER, Auth, _java_string_hash, _js_number, build_identity
from convex_test.errors import ConvexTestError, UnsupportedValueError
from convex_test.values import UNDEFINED, Int64

ORACLE = Path("/work/shared/oracle/out/results.json")

# What JS convex-test 0.0.60 returns for t.withIdentity(...) (oracle scenario xi_identity).
JS_IDENTITIES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        {"name": "A"},
        {
            "issuer": "https://convex.test",
            "name": "A",
            "subject": "-181215708",
            "tokenIdentifier": "https://convex.test|-181215708",
        },
    ),
    (
        {},
        {
            "issuer": "https://convex.test",
            "subject": "3938",
            "tokenIdentifier": "https://convex.test|3938",
        },
    ),
    (
        {"name": "A", "email": "a@x.io"},
        {
            "email": "a@x.io",
            "issuer": "https://convex.test",
            "name": "A",
            "subject": "-1640281325",
            "tokenIdentifier": "https://convex.test|-1640281325",
        },
    ),
    (
        {"subject": "user1"},
        {
            "issuer": "https://convex.test",
            "subject": "user1",
            "tokenIdentifier": "https://convex.test|user1",
        },
    ),
    (
        {"subject": "user1", "issuer": "https://iss.example"},
        {
            "issuer": "https://iss.example",
            "subject": "user1",
            "tokenIdentifier": "https://iss.example|user1",
        },
    ),
    (
        {"tokenIdentifier": "custom"},
        {"issuer": "https://convex.test", "subject": "-1941760997", "tokenIdentifier": "custom"},
    ),
    (
        {"name": "A", "custom": {"x": 1}},
        {
            "custom": {"x": 1},
            "issuer": "https://convex.test",
            "name": "A",
            "subject": "-638731840",
            "tokenIdentifier": "https://convex.test|-638731840",
        },
    ),
]


@pytest.mark.parametrize(("identity", "expected"), JS_IDENTITIES, ids=lambda x: json.dumps(x))
def test_defaults_match_js_convex_test(identity: dict[str, Any], expected: dict[str, Any]) -> None:
    assert build_identity(identity) == expected
    assert build_identity(**identity) == expected


@pytest.mark.skipif(not ORACLE.exists(), reason="oracle results not available")
def test_oracle_file_agrees_with_the_table() -> None:
    results = json.loads(ORACLE.read_text())["scenarios"]["xi_identity"]
    recorded = {
        "withIdentity({name:'A'})": JS_IDENTITIES[0][1],
        "withIdentity({})": JS_IDENTITIES[1][1],
        "withIdentity({name:'A', custom:{x:1}})": JS_IDENTITIES[6][1],
    }
    for key, expected in recorded.items():
        assert results[key] == expected


def test_none_means_an_empty_identity() -> None:
    assert build_identity() == build_identity(None) == build_identity({})
    assert build_identity()["issuer"] == DEFAULT_ISSUER


def test_keywords_override_the_mapping() -> None:
    assert build_identity({"name": "A", "email": "a@x.io"}, name="B")["name"] == "B"
    # Keywords merge into the mapping in its key order, so the subject is the same as for
    # the equivalent dict.
    assert build_identity({"name": "A"}, email="a@x.io") == build_identity(
        {"name": "A", "email": "a@x.io"}
    )


def test_explicit_values_win() -> None:
    identity = build_identity(subject="u1", issuer="https://iss", tokenIdentifier="tok")
    assert identity == {"subject": "u1", "issuer": "https://iss", "tokenIdentifier": "tok"}


def test_subject_depends_on_contents_including_key_order() -> None:
    assert build_identity(name="A")["subject"] == build_identity(name="A")["subject"]
    assert build_identity(name="A")["subject"] != build_identity(name="B")["subject"]
    # Like JSON.stringify, the hash sees keys in the order given.
    ab = build_identity({"name": "A", "email": "e"})["subject"]
    ba = build_identity({"email": "e", "name": "A"})["subject"]
    assert ab != ba


def test_custom_claims_are_kept_as_convex_values() -> None:
    identity = build_identity(
        name="A",
        roles=("admin", "user"),
        org={"id": 7, "big": Int64(5)},
        blob=bytearray(b"x"),
        gone=UNDEFINED,
    )
    assert identity["roles"] == ["admin", "user"]
    assert identity["org"] == {"id": 7, "big": Int64(5)}
    assert isinstance(identity["org"]["big"], Int64)
    assert identity["blob"] == b"x"
    assert "gone" not in identity
    assert build_identity(name="A", gone=UNDEFINED) == build_identity(name="A")


def test_result_is_a_deep_copy() -> None:
    claims = {"name": "A", "org": {"teams": ["a"]}}
    identity = build_identity(claims)
    claims["org"]["teams"].append("b")  # type: ignore[index]
    assert identity["org"] == {"teams": ["a"]}


def test_verified_flags_are_booleans() -> None:
    identity = build_identity(email="a@x.io", emailVerified=True, phoneNumberVerified=False)
    assert identity["emailVerified"] is True
    assert identity["phoneNumberVerified"] is False


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("name", 5, "a string"),
        ("email", None, "a string"),
        ("subject", 1.5, "a string"),
        ("issuer", b"x", "a string"),
        ("tokenIdentifier", ["t"], "a string"),
        ("updatedAt", 1700000000, "a string"),
        ("emailVerified", "yes", "a bool"),
        ("phoneNumberVerified", 1, "a bool"),
    ],
)
def test_standard_field_types(field: str, value: Any, expected: str) -> None:
    with pytest.raises(ConvexTestError, match=f"Identity field `{field}` must be {expected}, got "):
        build_identity({field: value})


@pytest.mark.parametrize(
    ("snake", "camel"),
    [
        ("email_verified", "emailVerified"),
        ("given_name", "givenName"),
        ("token_identifier", "tokenIdentifier"),
    ],
)
def test_snake_case_standard_fields_are_refused(snake: str, camel: str) -> None:
    with pytest.raises(ConvexTestError, match=f"`{snake}` is spelled in snake_case.*use `{camel}`"):
        build_identity({snake: "x"})


@pytest.mark.parametrize("identity", [["name", "A"], "A", 5, {"name"}])
def test_identity_must_be_a_mapping(identity: Any) -> None:
    with pytest.raises(ConvexTestError, match="An identity must be a dict"):
        build_identity(identity)


def test_claims_must_be_convex_values() -> None:
    with pytest.raises(UnsupportedValueError):
        build_identity(tags={"a", "b"})
    with pytest.raises(UnsupportedValueError):
        build_identity({1: "x"})
    with pytest.raises(UnsupportedValueError):
        build_identity({"$x": 1})
    with pytest.raises(UnsupportedValueError):
        build_identity(n=2**60)


def test_auth_returns_a_fresh_copy() -> None:
    identity = build_identity(name="A", org={"id": 1})
    auth = Auth(identity)
    first = auth.get_user_identity()
    assert first == identity
    assert first is not identity
    assert first is not None
    first["org"]["id"] = 2
    first["name"] = "Z"
    assert auth.get_user_identity() == identity
    identity["name"] = "changed after"  # Auth keeps its own copy
    assert auth.get_user_identity()["name"] == "A"  # type: ignore[index]
    assert repr(auth) == f"<Auth {identity['tokenIdentifier']!r}>"


def test_unauthenticated() -> None:
    assert Auth().get_user_identity() is None
    assert Auth(None).get_user_identity() is None
    assert repr(Auth()) == "<Auth unauthenticated>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", 0), ("{}", 3938), ("a", 97), ("hello", 99162322), ("😀", 1772899)],
)
def test_java_string_hash(text: str, expected: int) -> None:
    assert _java_string_hash(text) == expected


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (-2.5, "-2.5"),
        (0.1, "0.1"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1.5e-7, "1.5e-7"),
        (1e-6, "0.000001"),
        (123456789.125, "123456789.125"),
        (5e-324, "5e-324"),
        (float("nan"), "null"),
        (float("inf"), "null"),
    ],
)
def test_js_number_formatting(x: float, expected: str) -> None:
    assert _js_number(x) == expected


_claims = st.dictionaries(
    st.from_regex(r"[a-z][a-zA-Z]{0,8}", fullmatch=True).filter(
        lambda k: (
            k
            not in {"subject", "issuer", "tokenIdentifier", "emailVerified", "phoneNumberVerified"}
        )
    ),
    st.one_of(st.text(max_size=5), st.integers(-(2**53), 2**53), st.booleans(), st.none()),
    max_size=5,
)


@given(_claims)
def test_identity_invariants(claims: dict[str, Any]) -> None:
    from convex_test.auth import STRING_FIELDS

    claims = {k: v for k, v in claims.items() if k not in STRING_FIELDS or isinstance(v, str)}
    identity = build_identity(claims)
    assert identity == build_identity(dict(claims))  # deterministic
    assert identity["tokenIdentifier"] == f"{identity['issuer']}|{identity['subject']}"
    assert identity["issuer"] == DEFAULT_ISSUER
    assert int(identity["subject"]) in range(-(2**31), 2**31)
    assert {k: identity[k] for k in claims} == claims
