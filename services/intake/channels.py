"""Intake's channels beyond JSON (FHIR R4, HL7 v2 over MLLP, eligibility): tables and routes.

`services/intake/bootstrap.py` calls `prepare_channel_tables` from its `prepare_database`
and `install` from its own `install`, one line each, so every composition (the intake app,
the embedded all-in-one, the CLI) gets them. Eligibility needs the composition's settings
(its clearinghouse folders): `revcycle/embedded.py` mounts it with `install_eligibility`
and runs its process from `subscriptions`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from services.intake.bootstrap import IntakeDeps
from shared.config import BaseServiceSettings
from shared.eventstore.interface import EventStore
from shared.messaging.subscription import Subscription


def prepare_channel_tables(engine: Engine) -> None:
    """The channels' own tables and the audit log their reads write to (created if missing)."""
    from services.intake.eligibility.tables import eligibility_metadata
    from services.intake.fhir.store import fhir_metadata
    from services.intake.hl7.tables import hl7_metadata
    from shared.auth import audit_metadata

    for metadata in (fhir_metadata, hl7_metadata, eligibility_metadata, audit_metadata):
        metadata.create_all(engine, checkfirst=True)


def install(app: FastAPI, deps: IntakeDeps) -> None:
    """Mount the channels' routes (FHIR) on an app that already carries intake's state."""
    from services.intake.fhir.api import router as fhir_router

    app.include_router(fhir_router)


def install_eligibility(app: FastAPI, deps: IntakeDeps, settings: BaseServiceSettings) -> None:
    """Mount `POST /v1/eligibility` with the composition's clearinghouse folders."""
    from services.intake.eligibility.api import EligibilityDeps
    from services.intake.eligibility.api import router as eligibility_router
    from services.intake.eligibility.config import eligibility_settings
    from services.intake.eligibility.process import folder_adapter

    checks = eligibility_settings(settings)
    app.state.intake_eligibility = EligibilityDeps(deps, checks, lambda: folder_adapter(checks))
    app.include_router(eligibility_router)


def subscriptions(
    store: EventStore, clock: Callable[[], datetime], settings: BaseServiceSettings
) -> list[Subscription]:
    """The channels' processes: the automatic eligibility check (`intake.eligibility`)."""
    from services.intake.eligibility.config import eligibility_settings
    from services.intake.eligibility.process import eligibility_process

    return [eligibility_process(store, clock, eligibility_settings(settings))]
