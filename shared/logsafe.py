"""Error descriptions safe for logs, headers and dead letters: codes and field paths, no values.

Exceptions raised by libraries quote their input: a database error carries the SQL
parameters and PostgreSQL's DETAIL/CONTEXT lines (a patient's name in a failing row), a
pydantic error the rejected value, a KeyError the missing key. Anything written where
operators, log shippers or other organizations can read it goes through `describe_error`,
which keeps what identifies the failure (exception class, SQLSTATE, constraint, table,
field paths) and drops every value. Our own domain errors are written to name fields and
rules, never values (a rule of this code base), so their messages are kept.
"""

from __future__ import annotations

from pydantic import ValidationError

MAX_ERROR_TEXT = 2000

# Packages whose exception messages are our own words (they name fields and rules only).
_OWN_PACKAGES = ("shared.", "services.", "revcycle.", "simulator.", "tests.", "testsupport.")


def describe_error(exc: BaseException) -> str:
    """'ExceptionClass: safe detail' for any exception, at most MAX_ERROR_TEXT characters."""
    name = type(exc).__name__
    detail = _detail(exc)
    text = f"{name}: {detail}" if detail else name
    return text[:MAX_ERROR_TEXT]


def _detail(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return validation_paths(exc)
    database = _database_detail(exc)
    if database is not None:
        return database
    if type(exc).__module__.startswith(_OWN_PACKAGES):
        return str(exc)
    if _raised_by_our_code(exc) and not isinstance(exc, LookupError):
        # e.g. `raise ValueError("lines[2].charge: ...")` in a handler. A LookupError's
        # message is the missing key itself (a value), so it is never kept.
        return str(exc)
    # A library's message may quote input values: the class name is all we can vouch for.
    return ""


def _raised_by_our_code(exc: BaseException) -> bool:
    traceback = exc.__traceback__
    if traceback is None:
        return False
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    module = str(traceback.tb_frame.f_globals.get("__name__", ""))
    # Test modules are imported by file name (test_x), handlers in them are ours too.
    return module.startswith(_OWN_PACKAGES) or module.startswith("test_")


def validation_paths(exc: ValidationError) -> str:
    """'loc: message (type)' per error, without the input values pydantic would quote."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        where = ".".join(str(p) for p in error["loc"]) or "<root>"
        parts.append(f"{where}: {error['type']}")
    return "; ".join(parts)


def _database_detail(exc: BaseException) -> str | None:
    """SQLSTATE, constraint, table and column of a database error; None when not one."""
    from sqlalchemy.exc import DBAPIError, StatementError

    if not isinstance(exc, StatementError):
        return None
    original = exc.orig if isinstance(exc, DBAPIError) else None
    fields = []
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate:
        fields.append(f"sqlstate={sqlstate}")
    diag = getattr(original, "diag", None)
    for attribute in ("constraint_name", "table_name", "column_name"):
        value = getattr(diag, attribute, None) if diag is not None else None
        if value:
            fields.append(f"{attribute.removesuffix('_name')}={value}")
    if original is not None:
        fields.append(f"driver_error={type(original).__name__}")
    return " ".join(fields) or "database error"
