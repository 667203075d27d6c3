from __future__ import annotations

import pytest

from core.config import ConfigError, Settings, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """Settings read the environment and .env: run each test with neither."""
    for name in list(Settings.model_fields):
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_are_the_embedded_setup() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite:///./data/memberops.db"
    assert settings.language == "zh"
    assert settings.timezone == "Asia/Shanghai"
    assert settings.openai_model == "gpt-4o-mini"
    assert settings.openai_api_key is None
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.alert_cron == "0 9 * * *"
    assert not settings.slack_enabled


def test_a_copy_of_env_example_starts_with_the_defaults(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / ".env.example"
    (tmp_path / ".env").write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    settings = load_settings()  # every empty VARIABLE= is "not set", not an empty token
    assert settings.slack_bot_token is None and not settings.slack_enabled
    assert settings.dingtalk_client_id is None and settings.dingtalk_api_url == "https://api.dingtalk.com"
    assert settings.metrics_source is None


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({"DINGTALK_CLIENT_ID": "ding1"}, "DINGTALK_CLIENT_SECRET"),
        ({"DINGTALK_CARD_TEMPLATE_ID": "tpl"}, "DINGTALK_CLIENT_ID"),
    ],
)
def test_dingtalk_app_settings_go_together(
    monkeypatch: pytest.MonkeyPatch, environment: dict, named: str
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=named):
        load_settings()


def test_environment_and_dotenv_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / ".env").write_text("LANGUAGE=en\nOPENAI_MODEL=qwen-plus\n", encoding="utf-8")
    monkeypatch.setenv("PORT", "9001")
    settings = load_settings()
    assert (settings.language, settings.openai_model, settings.port) == ("en", "qwen-plus", 9001)


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "SLACK_APP_TOKEN"),
        ({"SLACK_CLIENT_ID": "1.2"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"}, "SLACK_CLIENT_SECRET"),
        ({"SLACK_API_URL": "http://127.0.0.1:9/api"}, "SLACK_API_URL"),
        ({"WECOM_TOKEN": "t"}, "WECOM_ENCODING_AES_KEY"),
        (
            {"WECOM_TOKEN": "t", "WECOM_ENCODING_AES_KEY": "short", "WECOM_CORP_ID": "c"},
            "WECOM_ENCODING_AES_KEY",
        ),
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"ALERT_CRON": "every morning"}, "ALERT_CRON"),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL"),
    ],
)
def test_bad_combinations_name_the_variable(monkeypatch: pytest.MonkeyPatch, environment, named) -> None:
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=named):
        load_settings()


def test_valid_slack_setup_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    settings = load_settings()
    assert settings.slack_enabled
    assert settings.slack_bot_token is not None
    assert "xoxb-1" not in repr(settings)  # secrets never show in logs or reprs


def test_a_broken_holiday_file_is_refused_at_start_up(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / "holidays.csv").write_text("date,kind\n2027-01-01,party\n", encoding="utf-8")
    monkeypatch.setenv("HOLIDAY_FILE", str(tmp_path / "holidays.csv"))
    with pytest.raises(ConfigError, match=r"HOLIDAY_FILE: .*holidays.csv:2:kind: "):
        load_settings()
