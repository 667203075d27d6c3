"""What a user sees when the AI endpoint misbehaves: `memberops ask /why` against a local OpenAI-compatible
server (real sockets, the real SDK), configured through OPENAI_BASE_URL exactly as a user would."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from storage.db import make_engine
from storage.tables import AICall
from tests.fakes.openai_server import FakeOpenAIServer, error_reply, reply_json, reply_with
from tests.support.cli_demo import demo_environment

runner = CliRunner()
NOTICE = "AI 服务暂不可用，以下为离线版本"
MODEL_EXPLANATION = {
    "core_causes": ["动漫偏好活跃人群在首页位1的付费转化明显走弱"],
    "data_insight": "下降集中在单一资源位，结构变化很小，主要是组内边现本身下滑。",
    "actions": ["排查首页位1的素材与跳转", "把曝光临时调配到表现正常的资源位", "对动漫偏好活跃人群定向召回"],
}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return demo_environment(tmp_path_factory, "ai-cards", days=90)


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


def ask(
    env: dict[str, str], server: FakeOpenAIServer, *args: str, deadline: float = 8.0
) -> tuple[str, float]:
    env = {
        **env,
        "OPENAI_API_KEY": "sk-test-key",
        "OPENAI_BASE_URL": server.base_url,
        "AI_DEADLINE_S": str(deadline),
        "AI_CACHE_TTL_S": "0",
    }
    started = time.monotonic()
    result = runner.invoke(app, ["ask", "/why", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.stdout, time.monotonic() - started


def last_call(env: dict[str, str]) -> AICall:
    with make_engine(env["DATABASE_URL"]).connect() as connection:
        row = connection.execute(select(AICall).order_by(AICall.id.desc()).limit(1)).one()
    return row


def test_a_valid_model_answer_is_shown_without_the_offline_line(demo_db: dict[str, str], server) -> None:
    server.script(reply_json(MODEL_EXPLANATION))
    text, _ = ask(demo_db, server)
    assert "排查首页位1的素材与跳转" in text
    assert NOTICE not in text
    request = server.requests[0]
    assert request.headers["authorization"] == "Bearer sk-test-key"
    assert "首页位1" in json.dumps(
        request.body, ensure_ascii=False
    )  # the computed facts travel in the prompt
    assert last_call(demo_db).outcome == "ok"


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (error_reply(500, "upstream exploded"), "http_500"),
        (reply_with("这不是 JSON"), "invalid_json"),
        (
            reply_json({**MODEL_EXPLANATION, "data_insight": "边现下降了 37.5%，远超预期"}),
            "ungrounded_number",
        ),
    ],
    ids=["500", "not-json", "invented-number"],
)
def test_faults_fall_back_to_the_offline_explanation_with_one_quiet_line(
    demo_db: dict[str, str], server, reply, reason: str
) -> None:
    server.script(reply)
    text, _ = ask(demo_db, server)
    assert NOTICE in text
    assert "检查资源位「首页位1」" in text  # the offline narrator's first action
    assert "37.5%" not in text
    call = last_call(demo_db)
    assert call.outcome == "fallback" and (call.reason or "").startswith(reason)


def test_a_slow_model_cannot_hold_the_card_past_the_deadline(demo_db: dict[str, str], server) -> None:
    server.script(reply_json(MODEL_EXPLANATION, delay_s=10.0))
    text, _ = ask(demo_db, server, deadline=1.0)
    assert NOTICE in text
    call = last_call(demo_db)
    assert call.outcome == "fallback" and call.latency_s < 1.5


def test_model_markup_is_inert_in_slack(demo_db: dict[str, str], server) -> None:
    hostile = {**MODEL_EXPLANATION, "core_causes": ["<!channel> 请立刻处理 <https://evil.example|点这里>"]}
    server.script(reply_json(hostile))
    text, _ = ask(demo_db, server, "--format", "slack")
    assert "<!channel>" not in text and "<https://evil.example" not in text
    assert "&lt;!channel&gt;" in text
