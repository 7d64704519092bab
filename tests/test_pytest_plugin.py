"""The pytest plugin, driven the way users run it (pytester)."""

from __future__ import annotations

import pytest

APP = {
    "convex/__init__.py": "",
    "convex/schema.py": """
from convex_test import define_schema, define_table, v
schema = define_schema({"notes": define_table({"text": v.string()})})
""",
    "convex/notes.py": """
import logging
from convex_test import mutation, query, v

@mutation(args={"text": v.string()})
def add(ctx, args):
    print("adding", args["text"])
    logging.getLogger("notes").warning("stored %s", args["text"])
    return ctx.db.insert("notes", {"text": args["text"]})

@query(args={})
def count(ctx, args):
    return len(ctx.db.query("notes").collect())

@query(args={})
def who(ctx, args):
    identity = ctx.auth.get_user_identity()
    return None if identity is None else identity["name"]
""",
    "other/__init__.py": "",
    "other/things.py": """
from convex_test import query

@query
def hello(ctx, args):
    return "from other"
""",
}


@pytest.fixture
def app(pytester: pytest.Pytester) -> pytest.Pytester:
    for path, text in APP.items():
        target = pytester.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return pytester


def test_t_fixture_uses_the_default_functions_dir(app: pytest.Pytester) -> None:
    app.makepyfile(
        """
        from convex_test import api

        def test_add(t):
            t.mutation(api.notes.add, {"text": "a"})
            assert t.query(api.notes.count) == 1

        def test_isolated(t):
            assert t.query("notes:count") == 0
        """
    )
    app.runpytest("-p", "no:cacheprovider", "-p", "no:benchmark").assert_outcomes(passed=2)


def test_ini_option_and_closest_marker_wins(app: pytest.Pytester) -> None:
    app.makeini(
        """
        [pytest]
        convex_functions = other
        """
    )
    app.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.convex(functions="convex")

        def test_module_marker(t):
            assert t.query("notes:count") == 0

        @pytest.mark.convex(functions="other")
        def test_closest_marker(t):
            assert t.query("things:hello") == "from other"
        """
    )
    app.runpytest("-p", "no:cacheprovider", "-p", "no:benchmark").assert_outcomes(passed=2)


def test_ini_option_alone(app: pytest.Pytester) -> None:
    app.makeini(
        """
        [pytest]
        convex_functions = other
        """
    )
    app.makepyfile(
        """
        def test_other(t):
            assert t.query("things:hello") == "from other"
        """
    )
    app.runpytest("-p", "no:cacheprovider", "-p", "no:benchmark").assert_outcomes(passed=1)


def test_identity_marker(app: pytest.Pytester) -> None:
    app.makepyfile(
        """
        import pytest

        @pytest.mark.convex(identity={"name": "Ada"})
        def test_who(t):
            assert t.query("notes:who") == "Ada"

        def test_anonymous(t):
            assert t.query("notes:who") is None
        """
    )
    app.runpytest("-p", "no:cacheprovider", "-p", "no:benchmark").assert_outcomes(passed=2)


def test_failure_report_lists_calls_and_their_output(app: pytest.Pytester) -> None:
    app.makepyfile(
        """
        from convex_test import api

        def test_fails(t):
            t.mutation(api.notes.add, {"text": "first"})
            t.query(api.notes.count)
            assert False, "boom"
        """
    )
    result = app.runpytest("-p", "no:cacheprovider", "-p", "no:benchmark")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Convex function calls*",
            "1. mutation api.notes.add {'text': 'first'} -> ok (*ms)",
            "*| adding first",
            "*| ?WARNING? stored first",
            "2. query api.notes.count -> ok (*ms)",
        ]
    )


def test_failed_calls_are_reported_with_their_error(app: pytest.Pytester) -> None:
    app.makepyfile(
        """
        import pytest
        from convex_test import api

        def test_bad_args(t):
            t.mutation(api.notes.add, {"text": 5})
        """
    )
    result = app.runpytest("-p", "no:cacheprovider", "-p", "no:benchmark")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*1. mutation api.notes.add {'text': 5} -> raised ArgumentValidationError*"]
    )


def test_passing_tests_have_no_report_section(app: pytest.Pytester) -> None:
    app.makepyfile(
        """
        def test_ok(t):
            t.query("notes:count")
        """
    )
    result = app.runpytest("-p", "no:cacheprovider", "-p", "no:benchmark", "-rA")
    result.assert_outcomes(passed=1)
    assert "Convex function calls" not in result.stdout.str()


def test_marker_rejects_unknown_options(app: pytest.Pytester) -> None:
    app.makepyfile(
        """
        import pytest

        @pytest.mark.convex(funtions="convex")
        def test_typo(t):
            pass
        """
    )
    result = app.runpytest("-p", "no:cacheprovider", "-p", "no:benchmark")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*takes only keyword arguments functions=, schema=, identity=*"])


def test_marker_is_registered(app: pytest.Pytester) -> None:
    result = app.runpytest("-p", "no:benchmark", "--markers")
    result.stdout.fnmatch_lines(
        ["@pytest.mark.convex(functions=None, schema=None, identity=None)*"]
    )


def test_schema_option_as_module_attribute(app: pytest.Pytester) -> None:
    app.makepyfile(
        myschema="""
from convex_test import define_schema, define_table, v
schema = define_schema({"notes": define_table({"text": v.string(), "n": v.float64()})})
""",
    )
    app.makepyfile(
        test_schema="""
        import pytest
        from convex_test import SchemaValidationError, api

        @pytest.mark.convex(schema="myschema:schema")
        def test_stricter_schema(t):
            with pytest.raises(SchemaValidationError):
                t.mutation(api.notes.add, {"text": "no n"})
        """
    )
    app.syspathinsert()
    app.runpytest("-p", "no:cacheprovider", "-p", "no:benchmark").assert_outcomes(passed=1)
