"""Deployment settings: built-in development secrets are refused outside the embedded default,
and REVCYCLE_DEPLOYMENT prefixes every topic and consumer group."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from revcycle.cli import app
from services.followup import bootstrap as followup_bootstrap
from services.followup.config import FollowupSettings
from shared.config import (
    DEV_PSEUDONYM_KEY,
    BaseServiceSettings,
    InsecureSettingsError,
    get_settings,
)

POSTGRES = "postgresql+psycopg://revcycle@db.example:5432/revcycle"


def test_the_embedded_default_keeps_the_development_secrets() -> None:
    BaseServiceSettings(database_url="").check_secrets(pseudonym_key=DEV_PSEUDONYM_KEY)


def test_outside_the_embedded_default_the_development_secrets_are_refused_by_name() -> None:
    settings = BaseServiceSettings(database_url=POSTGRES)
    with pytest.raises(InsecureSettingsError) as refused:
        settings.check_secrets(pseudonym_key=DEV_PSEUDONYM_KEY)
    message = str(refused.value)
    assert "AUTH_JWT_SECRET is the built-in development secret" in message
    assert "REPORTING_PSEUDONYM_KEY is the built-in development key" in message
    BaseServiceSettings(database_url=POSTGRES, auth_jwt_secret="s" * 40).check_secrets()
    # RS256 verifies with a public key: the HS256 secret is not used at all.
    BaseServiceSettings(
        database_url=POSTGRES, auth_jwt_algorithm="RS256", auth_jwt_public_key="-----BEGIN..."
    ).check_secrets()


def test_the_intake_and_followup_apis_refuse_to_start_with_the_development_secret() -> None:
    from services.intake import bootstrap as intake_bootstrap
    from services.intake.config import IntakeSettings

    with pytest.raises(InsecureSettingsError, match="AUTH_JWT_SECRET"):
        followup_bootstrap.create_app(FollowupSettings(database_url=POSTGRES))
    with pytest.raises(InsecureSettingsError, match="AUTH_JWT_SECRET"):
        intake_bootstrap.create_app(IntakeSettings(database_url=POSTGRES))


def test_the_all_in_one_app_refuses_the_development_secret_on_a_configured_database(
    tmp_path: Path,
) -> None:
    from revcycle.embedded import build_embedded_app

    settings = BaseServiceSettings(database_url=f"sqlite:///{tmp_path / 'x.sqlite'}")
    with pytest.raises(InsecureSettingsError, match="AUTH_JWT_SECRET"):
        build_embedded_app(settings, run_subscriptions=False)


def test_revcycle_serve_and_relay_exit_2_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AUTH_JWT_SECRET", "REPORTING_PSEUDONYM_KEY", "REVCYCLE_DEPLOYMENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        served = runner.invoke(app, ["serve", "--port", "1"])
        assert served.exit_code == 2
        assert "AUTH_JWT_SECRET is the built-in development secret" in served.output
        relayed = runner.invoke(app, ["relay", "run", "--once"])
        assert relayed.exit_code == 2
        assert "REPORTING_PSEUDONYM_KEY is the built-in development key" in relayed.output
        assert "AUTH_JWT_SECRET" not in relayed.output  # the relay verifies no tokens
    finally:
        get_settings.cache_clear()


def test_the_deployment_prefixes_topics_and_consumer_groups() -> None:
    settings = FollowupSettings(revcycle_deployment="staging", kafka_bootstrap_servers="k:9092")
    consumer = followup_bootstrap.consumer_for("followup.claims", engine=None, settings=settings)  # type: ignore[arg-type]
    # Follow-up reads every event topic it projects (claims, accounts, remittances, work
    # items...): each with the deployment's prefix.
    assert "staging.revcycle.claim-events.v1" in consumer.config.topics
    assert all(t.startswith("staging.revcycle.") for t in consumer.config.topics)
    assert consumer.config.group_id == "staging.revcycle.followup.followup.claims"
    assert consumer.config.dead_letter_topic == "staging.revcycle.dead-letter.v1"
    plain = followup_bootstrap.consumer_for(
        "followup.claims",
        engine=None,
        settings=FollowupSettings(kafka_bootstrap_servers="k:9092"),  # type: ignore[arg-type]
    )
    assert plain.config.group_id == "revcycle.followup.followup.claims"
    assert "revcycle.claim-events.v1" in plain.config.topics
    assert all(t.startswith("revcycle.") for t in plain.config.topics)


@pytest.mark.parametrize("name", ["Staging", "a.b", "-x", "x-", "a" * 41, "st aging"])
def test_a_deployment_name_that_would_make_odd_topic_names_is_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="REVCYCLE_DEPLOYMENT must be 1 to 40 lowercase"):
        BaseServiceSettings(revcycle_deployment=name)


def test_static_membership_comes_from_worker_instance() -> None:
    settings = FollowupSettings(kafka_bootstrap_servers="k:9092", worker_instance="worker-2")
    consumer = followup_bootstrap.consumer_for("followup.claims", engine=None, settings=settings)  # type: ignore[arg-type]
    assert consumer.config.group_instance_id == "worker-2"
    assert consumer.config.session_timeout_ms == 10_000
