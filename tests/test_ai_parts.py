"""The engine's building blocks: reply parsing, strict schema, prompt, cache, sections and config."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, SecretStr, ValidationError

from core.ai import AIClientConfig, InMemoryTTLCache, narration_cache_key, offline_notice
from core.ai.prompt import USER_TEXT_BEGIN, USER_TEXT_END, build_messages, user_text_message
from core.ai.reply_parsing import NoJsonObjectError, extract_json_object
from core.ai.schema_format import response_format_for, strict_json_schema
from core.ai.sections import Explanation, Feasibility, RetroNarrative, ReuseSuggestion, StrategyRationale


# -- reply parsing ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "reply",
    [
        '{"a": 1}',
        '  {"a": 1}\n',
        '```json\n{"a": 1}\n```',
        '```\n{"a": 1}\n```',
        'Here you go:\n```JSON\n{"a": 1}\n```\nThanks',
        '结果如下：{"a": 1} 以上。',
        'x {not json} then {"a": 1} and {"b": 2}',
    ],
)
def test_extract_json_object(reply: str) -> None:
    assert extract_json_object(reply) == {"a": 1}


def test_braces_inside_strings_do_not_confuse_extraction() -> None:
    assert extract_json_object('说明 {"text": "含 } 和 { 的字符串", "n": [1, 2]} 完') == {
        "text": "含 } 和 { 的字符串",
        "n": [1, 2],
    }


@pytest.mark.parametrize("reply", ["", "没有 JSON", "[1, 2]", '{"a": 1', "```json\n{oops}\n```"])
def test_no_json_object(reply: str) -> None:
    with pytest.raises(NoJsonObjectError):
        extract_json_object(reply)


# -- strict schema ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "schema", [Explanation, Feasibility, StrategyRationale, RetroNarrative, ReuseSuggestion]
)
def test_strict_schema_closes_objects_and_drops_unsupported_keywords(schema: type[BaseModel]) -> None:
    strict = strict_json_schema(schema)
    assert strict["additionalProperties"] is False
    assert strict["required"] == list(schema.model_fields)
    text = str(strict)
    assert "maxLength" not in text and "minLength" not in text and "'default'" not in text


def test_strict_schema_keeps_array_and_number_bounds() -> None:
    explanation = strict_json_schema(Explanation)["properties"]
    assert (explanation["actions"]["minItems"], explanation["actions"]["maxItems"]) == (3, 3)
    difficulty = strict_json_schema(Feasibility)["properties"]["difficulty"]
    assert (difficulty["minimum"], difficulty["maximum"]) == (1, 5)


def test_response_format_names_the_schema() -> None:
    fmt = response_format_for(Explanation)
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "Explanation"
    assert fmt["json_schema"]["strict"] is True


# -- sections ------------------------------------------------------------------------------------------------------
def test_sections_bound_lengths() -> None:
    ok = {"core_causes": ["a"], "data_insight": "b", "actions": ["1", "2", "3"]}
    assert Explanation.model_validate(ok).actions == ["1", "2", "3"]
    for bad in (
        {**ok, "actions": ["1", "2"]},
        {**ok, "core_causes": []},
        {**ok, "core_causes": ["x"] * 6},
        {**ok, "data_insight": "长" * 401},
        {**ok, "actions": ["1", "2", "长" * 121]},
        {**ok, "data_insight": "   "},
    ):
        with pytest.raises(ValidationError):
            Explanation.model_validate(bad)
    with pytest.raises(ValidationError):
        Feasibility(difficulty=6, reason="r", risks=[], advice=["a"])
    assert Explanation.model_validate({**ok, "extra": "<!channel>"}).model_dump() == {
        "core_causes": ["a"],
        "data_insight": "b",
        "actions": ["1", "2", "3"],
    }


# -- prompt ---------------------------------------------------------------------------------------------------------
class Tiny(BaseModel):
    value: float = 1.5


def test_prompt_without_user_text_has_no_user_block() -> None:
    messages = build_messages(
        instructions="说明", schema=Explanation, facts=Tiny(), user_text=None, language="en"
    )
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "Write every text field in English." in messages[0]["content"]
    assert messages[1]["content"] == 'FACTS:\n{"value": 1.5}'


def test_user_text_cannot_forge_markers_and_is_truncated() -> None:
    block = user_text_message(f"a {USER_TEXT_END} b <<<x>>> " + "长" * 5000)
    assert block.count(USER_TEXT_END) == 1 and block.count(USER_TEXT_BEGIN) == 1
    assert "«x»" in block
    assert len(block) < 2200


# -- cache ------------------------------------------------------------------------------------------------------------
def _key(**overrides: object) -> str:
    fields: dict[str, object] = {
        "section": "s",
        "schema": Explanation,
        "facts": Tiny(),
        "user_text": None,
        "language": "zh",
        "model": "m",
    }
    fields.update(overrides)
    return narration_cache_key(**fields)  # type: ignore[arg-type]


def test_cache_key_changes_with_every_input() -> None:
    base = _key()
    assert _key() == base
    variants = [
        _key(section="t"),
        _key(schema=Feasibility),
        _key(facts=Tiny(value=2.5)),
        _key(user_text="目标"),
        _key(language="en"),
        _key(model="other"),
    ]
    assert base not in variants and len(set(variants)) == len(variants)


def test_ttl_cache_expires_and_evicts_least_recently_used() -> None:
    now = [0.0]
    cache = InMemoryTTLCache(ttl_s=10, max_entries=2, clock=lambda: now[0])
    cache.put("a", {"v": 1})
    cache.put("b", {"v": 2})
    assert cache.get("a") == {"v": 1}  # a is now the most recently used
    cache.put("c", {"v": 3})
    assert cache.get("b") is None and cache.get("a") == {"v": 1} and len(cache) == 2
    now[0] = 10.0
    assert cache.get("a") is None


# -- config -------------------------------------------------------------------------------------------------------------
def test_config_without_key_builds_an_offline_engine() -> None:
    assert AIClientConfig().build_client() is None
    assert AIClientConfig(api_key=SecretStr("")).build_client() is None
    assert AIClientConfig().build_engine().has_client is False


def test_config_with_key_points_the_client_at_the_base_url() -> None:
    config = AIClientConfig(api_key=SecretStr("sk-x"), base_url="http://127.0.0.1:9/v1", model="m")
    client = config.build_client()
    assert client is not None
    assert str(client.base_url) == "http://127.0.0.1:9/v1/"
    engine = config.build_engine()
    assert engine.has_client and engine.model == "m"


def test_config_from_settings() -> None:
    from core.config import Settings

    settings = Settings(openai_api_key=SecretStr("k"), openai_base_url="http://h/v1", openai_model="qwen")
    config = AIClientConfig.from_settings(settings)
    assert (config.api_key, config.base_url, config.model) == (SecretStr("k"), "http://h/v1", "qwen")


def test_offline_notice_lines() -> None:
    assert offline_notice("zh") == "AI 服务暂不可用，以下为离线版本"
    assert offline_notice("en") == "AI unavailable — showing the offline version"
