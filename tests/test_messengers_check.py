"""``memberops messengers check [--send-test]`` against the local Slack, DingTalk and WeCom servers."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from tests.fakes.dingtalk_stream import CLIENT_ID, CLIENT_SECRET, FakeDingTalkOpen
from tests.fakes.slack_api import FakeSlack
from tests.fakes.wecom_api import FakeWeCom

runner = CliRunner()


def environment(
    tmp_path: Path, slack: FakeSlack, dingtalk: FakeDingTalkOpen, wecom: FakeWeCom, **extra: str
) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}", "DATA_DIR": str(tmp_path),
        "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": slack.api_url,
        "ALERT_CHANNEL": "C0ALERTS",
        "DINGTALK_CLIENT_ID": CLIENT_ID, "DINGTALK_CLIENT_SECRET": CLIENT_SECRET, "DINGTALK_API_URL": dingtalk.api_url,
        "DINGTALK_CARD_TEMPLATE_ID": "tpl", "DINGTALK_ALERT_CONVERSATION_ID": "cid-ops",
        "WECOM_CORP_ID": "ww-corp", "WECOM_SECRET": "app-secret", "WECOM_AGENT_ID": "1000002",
        "WECOM_TOKEN": "callback-token", "WECOM_ENCODING_AES_KEY": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        "WECOM_API_URL": wecom.api_url, "WECOM_ALERT_USERS": "zhangsan",
        "WECOM_BOT_ID": "aibot-1", "WECOM_BOT_SECRET": "x",
        **extra,
    }  # fmt: skip


def test_every_channel_is_checked_with_a_real_call_and_test_cards_are_posted(tmp_path: Path) -> None:
    with FakeSlack() as slack, FakeDingTalkOpen() as dingtalk, FakeWeCom() as wecom:
        checked = runner.invoke(
            app, ["messengers", "check"], env=environment(tmp_path, slack, dingtalk, wecom)
        )
        assert checked.exit_code == 1, checked.output  # the AI bot has no group yet
        lines = checked.stdout.splitlines()
        assert lines[0].startswith("ok  slack: auth.test ok") and "alerts to C0ALERTS" in lines[0]
        assert any(
            line.startswith("ok  dingtalk_app: access token ok; Stream gateway ok; alert cards to cid-ops")
            for line in lines
        )
        assert any(line.startswith("ok  wecom_app: gettoken ok; alert cards to zhangsan") for line in lines)
        assert any(line.startswith("FAIL wecom_bot:") and "WECOM_BOT_CHAT_ID" in line for line in lines)
        assert "app-secret" not in checked.stdout and CLIENT_SECRET not in checked.stdout

        env = environment(tmp_path, slack, dingtalk, wecom, WECOM_BOT_CHAT_ID="chat-ops")
        sent = runner.invoke(app, ["messengers", "check", "--send-test"], env=env)
        assert sent.exit_code == 0, sent.output
        assert [c.body["channel"] for c in slack.api("chat.postMessage")] == ["C0ALERTS"]
        assert dingtalk.cards and dingtalk.cards[0]["openSpaceId"] == "dtv1.card//IM_GROUP.cid-ops"
        assert wecom.app_messages and wecom.app_messages[0]["touser"] == "zhangsan"


def test_a_group_robot_is_listed_and_sends_only_with_send_test(tmp_path: Path) -> None:
    from tests.fakes.dingtalk_api import FakeDingTalk

    with FakeDingTalk() as robot:
        env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}", "DINGTALK_WEBHOOK_URL": robot.webhook_url}
        listed = runner.invoke(app, ["messengers", "check"], env=env)
        assert (
            listed.exit_code == 0 and "ok  dingtalk: group robot set (DINGTALK_WEBHOOK_URL)" in listed.stdout
        )
        assert robot.robot_messages == []
        sent = runner.invoke(app, ["messengers", "check", "--send-test"], env=env)
        assert sent.exit_code == 0 and "test card posted by the group robot" in sent.stdout
        assert "测试消息" in str(robot.robot_messages[0])


def test_refused_credentials_name_the_setting(tmp_path: Path) -> None:
    with FakeSlack() as slack, FakeDingTalkOpen() as dingtalk, FakeWeCom() as wecom:
        env = environment(tmp_path, slack, dingtalk, wecom, DINGTALK_CLIENT_SECRET="wrong", WECOM_SECRET="wrong",
                          WECOM_BOT_CHAT_ID="chat-ops")  # fmt: skip
        result = runner.invoke(app, ["messengers", "check"], env=env)
    assert result.exit_code == 1
    assert (
        "FAIL dingtalk_app: access token refused" in result.stdout
        and "DINGTALK_CLIENT_SECRET" in result.stdout
    )
    assert "FAIL wecom_app: gettoken refused" in result.stdout and "WECOM_SECRET" in result.stdout
    assert "wrong" not in result.stdout
