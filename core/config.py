"""Settings, read from the environment and ``.env`` (pydantic-settings). Every field is in .env.example.

``validate_combination`` is called at start-up and raises ``ConfigError`` naming the variable at fault.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(ValueError):
    """A setting, or a combination of settings, that cannot work. The message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )  # an empty VARIABLE= (as in .env.example) means "not set"

    # -- product ---------------------------------------------------------------------------------------
    database_url: str = "sqlite:///./data/memberops.db"
    language: Literal["zh", "en"] = "zh"
    timezone: str = "Asia/Shanghai"
    data_dir: Path = Path("./data")
    holiday_file: Path = Path("./data/holidays.csv")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_base_url: str = "http://127.0.0.1:8000"
    download_secret: SecretStr | None = None
    download_ttl_seconds: int = Field(default=7 * 24 * 3600, gt=0)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    chart_font_file: str | None = None  # a .ttf/.otf/.ttc with Chinese glyphs (default: an installed one)
    question_aliases: str = ""  # a team's words for its dimensions: "频道=channel_group;档位=tier"

    # -- the metric cube's source ----------------------------------------------------------------------------
    metrics_source: SecretStr | None = (
        None  # empty: the embedded store; else a warehouse URL (password inside)
    )
    metrics_table: str | None = None
    metrics_date_column: str = "date"
    metrics_dimensions: str = ""
    metrics_measures: str = ""
    metrics_query_timeout_s: float = Field(default=60.0, gt=0, le=3600)
    metrics_refresh_s: float = Field(default=300.0, ge=0)
    metrics_history_days: int = Field(default=400, ge=30, le=3650)

    # -- Slack -------------------------------------------------------------------------------------------
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_allowed_teams: str = ""
    slack_allowed_channels: str = ""

    # -- AI ------------------------------------------------------------------------------------------------
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    ai_deadline_s: float = Field(default=8.0, gt=0, le=120)
    ai_retro_deadline_s: float = Field(default=12.0, gt=0, le=120)
    ai_cache_ttl_s: float = Field(default=600.0, ge=0)

    # -- DingTalk / WeCom ------------------------------------------------------------------------------------
    dingtalk_webhook_url: str | None = None
    dingtalk_secret: SecretStr | None = None
    dingtalk_app_secret: SecretStr | None = None
    dingtalk_client_id: str | None = None  # enterprise-internal app: Stream mode and interactive cards
    dingtalk_client_secret: SecretStr | None = None
    dingtalk_api_url: str = "https://api.dingtalk.com"
    dingtalk_card_template_id: str | None = (
        None  # the imported alert card template (bot/dingtalk/alert_card.json)
    )
    dingtalk_alert_conversation_id: str | None = None  # the group's openConversationId (or 绑定告警群)
    dingtalk_robot_code: str | None = None  # default: the client id
    wecom_webhook_url: str | None = None
    wecom_token: SecretStr | None = None
    wecom_encoding_aes_key: SecretStr | None = None
    wecom_corp_id: str | None = None
    wecom_agent_id: str | None = None
    wecom_secret: SecretStr | None = None
    wecom_api_url: str = "https://qyapi.weixin.qq.com/cgi-bin"
    wecom_alert_users: str = (
        ""  # without an AI bot: the app's alert cards go to these users ("zhangsan|lisi")
    )
    wecom_bot_id: str | None = None  # 智能机器人 long connection (no public URL)
    wecom_bot_secret: SecretStr | None = None
    wecom_bot_ws_url: str = "wss://openws.work.weixin.qq.com"
    wecom_bot_chat_id: str | None = None  # the alert group's chatid (or 绑定告警群 in the group)

    # -- alerts --------------------------------------------------------------------------------------------
    alert_cron: str = "0 9 * * *"
    alert_channel: str | None = None

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None or self.slack_client_id is not None

    @property
    def slack_oauth_enabled(self) -> bool:
        return self.slack_client_id is not None


def validate_combination(settings: Settings) -> None:
    """Refuse combinations that cannot work, naming the variable to fix."""
    if settings.slack_enabled and settings.slack_signing_secret is None and settings.slack_app_token is None:
        raise ConfigError(
            "SLACK_SIGNING_SECRET is required when SLACK_BOT_TOKEN or SLACK_CLIENT_ID is set "
            "(or set SLACK_APP_TOKEN for Socket Mode)"
        )
    if settings.slack_app_token is not None and settings.slack_bot_token is None:
        raise ConfigError("SLACK_BOT_TOKEN is required when SLACK_APP_TOKEN (Socket Mode) is set")
    if settings.slack_app_token is not None and not settings.slack_app_token.get_secret_value().startswith(
        "xapp-"
    ):
        raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'")
    if (settings.slack_client_id is None) != (settings.slack_client_secret is None):
        raise ConfigError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET must be set together")
    if not settings.slack_api_url.endswith("/"):
        raise ConfigError("SLACK_API_URL must end with '/' (slack_sdk joins method names onto it)")
    wecom_app = (settings.wecom_token, settings.wecom_encoding_aes_key, settings.wecom_corp_id)
    if any(v is not None for v in wecom_app) and not all(v is not None for v in wecom_app):
        missing = [
            name
            for name, value in zip(
                ("WECOM_TOKEN", "WECOM_ENCODING_AES_KEY", "WECOM_CORP_ID"), wecom_app, strict=True
            )
            if value is None
        ]
        raise ConfigError(
            f"{missing[0]} is required for the WeCom callback (set all of {', '.join(missing)})"
        )
    if (settings.dingtalk_client_id is None) != (settings.dingtalk_client_secret is None):
        raise ConfigError("DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET go together (the app's credentials)")
    if (settings.wecom_bot_id is None) != (settings.wecom_bot_secret is None):
        raise ConfigError("WECOM_BOT_ID and WECOM_BOT_SECRET go together (the AI bot's credentials)")
    if settings.dingtalk_card_template_id and not settings.dingtalk_client_id:
        raise ConfigError("DINGTALK_CARD_TEMPLATE_ID needs DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET")
    if (
        settings.wecom_encoding_aes_key is not None
        and len(settings.wecom_encoding_aes_key.get_secret_value()) != 43
    ):
        raise ConfigError("WECOM_ENCODING_AES_KEY must be the 43-character key from the WeCom console")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(settings.timezone)
    except Exception as exc:
        raise ConfigError(f"TIMEZONE {settings.timezone!r} is not a known IANA time zone") from exc
    try:
        from apscheduler.triggers.cron import CronTrigger

        CronTrigger.from_crontab(settings.alert_cron)
    except ValueError as exc:
        raise ConfigError(
            f"ALERT_CRON {settings.alert_cron!r} is not a 5-field crontab expression: {exc}"
        ) from exc
    if settings.holiday_file.exists():
        from core.calendar import HolidayFileError, read_holiday_file

        try:
            read_holiday_file(settings.holiday_file)
        except HolidayFileError as exc:
            raise ConfigError(f"HOLIDAY_FILE: {exc}") from exc
    if not settings.database_url.split(":", 1)[0].startswith(("sqlite", "postgresql")):
        raise ConfigError("DATABASE_URL must be a sqlite:/// or postgresql:// URL")
    _validate_metrics_source(settings)


def _validate_metrics_source(settings: Settings) -> None:
    """A warehouse needs its table; the URL scheme and the mapping are checked by storage.sources."""
    source = settings.metrics_source.get_secret_value().strip() if settings.metrics_source else ""
    if source and not settings.metrics_table:
        raise ConfigError("METRICS_TABLE is required with METRICS_SOURCE: the table or view holding the cube")


def load_settings(**overrides: object) -> Settings:
    settings = Settings(**overrides)  # type: ignore[arg-type]
    validate_combination(settings)
    return settings
