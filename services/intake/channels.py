"""Intake's channels beyond JSON (FHIR R4, HL7 v2 over MLLP, eligibility): tables and routes.

`services/intake/bootstrap.py` calls `prepare_channel_tables` from its `prepare_database`
and `install` from its own `install`, one line each, so every composition (the intake app,
the embedded all-in-one, the CLI) gets them.
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from services.intake.handlers import IntakeDeps


def prepare_channel_tables(engine: Engine) -> None:
    """The channels' own tables and the audit log their reads write to (created if missing)."""
    from services.intake.fhir.store import fhir_metadata
    from services.intake.hl7.tables import hl7_metadata
    from shared.auth import audit_metadata

    for metadata in (fhir_metadata, hl7_metadata, audit_metadata):
        metadata.create_all(engine, checkfirst=True)


def install(app: FastAPI, deps: IntakeDeps) -> None:
    """Mount the channels' routes (FHIR) on an app that already carries intake's state."""
    from services.intake.fhir.api import router as fhir_router

    app.include_router(fhir_router)
