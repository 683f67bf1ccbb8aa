"""Errors written to logs, headers and dead letters name codes and fields, never values."""

from __future__ import annotations

import sqlalchemy as sa
from pydantic import BaseModel, ValidationError

from shared.db import create_db_engine
from shared.logsafe import describe_error

SECRET = "Holmes-221B"


class _Patient(BaseModel):
    last_name: int


def test_a_validation_error_keeps_the_path_and_drops_the_value() -> None:
    try:
        _Patient.model_validate({"last_name": SECRET})
    except ValidationError as exc:
        text = describe_error(exc)
    assert "last_name" in text and "int_parsing" in text
    assert SECRET not in text


def test_a_database_error_keeps_the_constraint_and_drops_the_parameters(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = create_db_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE p (name TEXT PRIMARY KEY)"))
        conn.execute(sa.text("INSERT INTO p VALUES (:n)"), {"n": SECRET})
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO p VALUES (:n)"), {"n": SECRET})
    except sa.exc.IntegrityError as exc:
        assert SECRET not in str(exc)  # hide_parameters on every engine we create
        text = describe_error(exc)
    assert text.startswith("IntegrityError") and "driver_error=IntegrityError" in text
    assert SECRET not in text


def test_a_library_error_message_is_not_repeated() -> None:
    text = describe_error(KeyError(SECRET))
    assert text == "KeyError"
