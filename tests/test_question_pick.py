"""With a model configured, the model may route a question the parser cannot read — through `memberops ask`
against a local OpenAI-compatible server (the real SDK, OPENAI_BASE_URL as a user sets it). The pick is
validated: unusable arguments, an invented number, a failing or slow model all leave the parser's answer."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.fakes.openai_server import FakeOpenAIServer, error_reply, reply_json
from tests.support.cli_demo import demo_environment

runner = CliRunner()
QUESTION = "给我看看各个平台赚了多少钱"  # 赚了多少钱: no word the parser knows


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return demo_environment(tmp_path_factory, "pick", days=60)


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


def ask(env: dict[str, str], server: FakeOpenAIServer, text: str, deadline: float = 8.0) -> tuple[str, float]:
    env = {**env, "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": server.base_url, "AI_DEADLINE_S": str(deadline),
           "AI_CACHE_TTL_S": "0"}  # fmt: skip
    started = time.monotonic()
    result = runner.invoke(app, ["ask", text], env=env)
    assert result.exit_code == 0, result.output
    return result.stdout, time.monotonic() - started


def test_the_models_pick_runs_and_says_what_it_understood(
    demo_db: dict[str, str], server: FakeOpenAIServer
) -> None:
    server.script(reply_json({"command": "query", "arguments": "各平台 收入"}))
    text, _ = ask(demo_db, server, QUESTION)
    assert "收入 · 按平台 · 近 7 天（2026-11-17~2026-11-23）" in text
    assert "AI 理解为：/mo-query 各平台 收入" in text
    prompt = json.dumps(server.requests[0].body, ensure_ascii=False)
    assert QUESTION in prompt and "resource_position" in prompt  # the question and the cube's vocabulary


@pytest.mark.parametrize(
    "reply",
    [
        reply_json({"command": "query", "arguments": "各平台 毛利"}),  # arguments the command cannot use
        reply_json(
            {"command": "query", "arguments": "近 45 天 各平台 收入"}
        ),  # 45: in neither question nor data
        reply_json({"command": "none", "arguments": ""}),
        error_reply(500, "upstream exploded"),
    ],
    ids=["unusable", "invented-number", "none", "500"],
)
def test_an_unusable_pick_leaves_the_parsers_answer(
    demo_db: dict[str, str], server: FakeOpenAIServer, reply
) -> None:  # type: ignore[no-untyped-def]
    server.script(reply, reply)  # a repair round trip may ask twice
    text, _ = ask(demo_db, server, QUESTION)
    assert f"没有看懂「{QUESTION}」" in text
    assert "最接近的两个问法" in text
    assert "45" not in text.split("最接近的两个问法")[0]


def test_a_slow_model_cannot_hold_the_answer(demo_db: dict[str, str], server: FakeOpenAIServer) -> None:
    server.script(reply_json({"command": "query", "arguments": "各平台 收入"}, delay_s=10.0))
    text, elapsed = ask(demo_db, server, QUESTION, deadline=1.0)
    assert f"没有看懂「{QUESTION}」" in text and "AI 服务暂不可用" in text
    assert elapsed < 5.0


def test_a_question_the_parser_reads_never_asks_the_model(
    demo_db: dict[str, str], server: FakeOpenAIServer
) -> None:
    text, _ = ask(demo_db, server, "各平台 收入")
    assert "收入 · 按平台" in text
    assert server.requests == []  # no narration in a breakdown, no routing for a parsed question
    assert "AI 理解为" not in text
