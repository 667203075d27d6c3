"""The Slack app manifest, checked the way Slack checks it when a team pastes it, and against the code.

Slack's rules (app manifest reference and the slash-command docs), written down here so a failure says which:
- a slash command is ``/`` + lowercase a–z, 0–9, ``-`` or ``_``, at most 32 characters in all, and not one of
  Slack's built-in commands (Slack rejects the whole manifest that names one); at most 50 commands, no twins;
- a command's description is required, at most 2,000 characters; its usage hint at most 1,000;
- every request URL (commands, events, interactivity, OAuth redirects) is https — and required unless
  Socket Mode is on;
- every bot event needs its scope among the bot scopes (``app_mention`` → ``app_mentions:read``, …), at most
  100 bot events; ``app_home_opened`` only with the home tab enabled;
- display name 1–35 characters, short description at most 140, background colour ``#rrggbb``.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.slack.commands import LEGACY_SLASH_COMMANDS, SLASH_COMMANDS
from bot.slack.events import BOT_EVENTS
from bot.slack.manifest import EXAMPLE_BASE_URL, ManifestError, build_manifest, render_manifest
from bot.slack.scopes import BOT_SCOPES

ROOT = Path(__file__).resolve().parents[1]

BUILT_IN_COMMANDS = frozenset(
    [
        "me",
        "status",
        "away",
        "dnd",
        "shrug",
        "remind",
        "msg",
        "feed",
        "who",
        "collapse",
        "expand",
        "leave",
        "join",
        "open",
        "search",
        "topic",
        "mute",
        "pro",
        "shortcuts",
        "invite",
        "kick",
        "remove",
        "archive",
        "rename",
        "dm",
        "call",
        "apps",
    ]
)
COMMAND_PATTERN = re.compile(r"^/[a-z0-9_-]+$")
EVENT_SCOPES = {
    "app_mention": "app_mentions:read",
    "message.im": "im:history",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.mpim": "mpim:history",
    "reaction_added": "reactions:read",
}
EVENTS_WITHOUT_SCOPE = {"app_home_opened", "app_uninstalled", "tokens_revoked"}


def slack_problems(manifest: dict[str, Any]) -> list[str]:
    """What Slack would refuse in ``manifest``, one line each (empty: Slack accepts it)."""
    problems: list[str] = []
    settings = manifest.get("settings", {})
    features = manifest.get("features", {})
    socket_mode = bool(settings.get("socket_mode_enabled"))

    def url_ok(where: str, url: str | None) -> None:
        if url is None:
            if not socket_mode:
                problems.append(f"{where}: request URL required without Socket Mode")
        elif not url.startswith("https://"):
            problems.append(f"{where}: {url!r} is not https")

    info = manifest.get("display_information", {})
    if not 1 <= len(info.get("name", "")) <= 35:
        problems.append("display_information.name: 1–35 characters")
    if len(info.get("description", "")) > 140:
        problems.append("display_information.description: at most 140 characters")
    if "background_color" in info and not re.fullmatch(r"#[0-9a-fA-F]{6}", info["background_color"]):
        problems.append("display_information.background_color: #rrggbb")

    commands = features.get("slash_commands", [])
    if len(commands) > 50:
        problems.append(f"slash_commands: {len(commands)} > 50")
    names = [c.get("command", "") for c in commands]
    problems += [f"slash_commands: {n} twice" for n in sorted({n for n in names if names.count(n) > 1})]
    for command in commands:
        name = command.get("command", "")
        if not COMMAND_PATTERN.match(name) or len(name) > 32:
            problems.append(f"{name!r}: not / + [a-z0-9_-], at most 32 characters")
        if name.lstrip("/") in BUILT_IN_COMMANDS:
            problems.append(f"{name}: one of Slack's built-in commands")
        if not 1 <= len(command.get("description", "")) <= 2000:
            problems.append(f"{name}: description required, at most 2,000 characters")
        if len(command.get("usage_hint", "")) > 1000:
            problems.append(f"{name}: usage hint at most 1,000 characters")
        url_ok(name, command.get("url"))

    subscriptions = settings.get("event_subscriptions", {})
    events = subscriptions.get("bot_events", [])
    scopes = set(manifest.get("oauth_config", {}).get("scopes", {}).get("bot", []))
    if len(events) > 100:
        problems.append("bot_events: at most 100")
    for event in events:
        needed = EVENT_SCOPES.get(event)
        if needed is None and event not in EVENTS_WITHOUT_SCOPE:
            problems.append(f"bot event {event}: unknown to this check (add its scope rule)")
        elif needed and needed not in scopes:
            problems.append(f"bot event {event}: needs scope {needed}")
    if "app_home_opened" in events and not features.get("app_home", {}).get("home_tab_enabled"):
        problems.append("bot event app_home_opened: needs features.app_home.home_tab_enabled")
    if events:
        url_ok("event_subscriptions", subscriptions.get("request_url"))
    interactivity = settings.get("interactivity", {})
    if interactivity.get("is_enabled"):
        url_ok("interactivity", interactivity.get("request_url"))
    for url in manifest.get("oauth_config", {}).get("redirect_urls", []):
        url_ok("oauth_config.redirect_urls", url)
    return problems


def test_the_repository_manifest_is_the_generated_one_for_the_example_url() -> None:
    assert (ROOT / "manifest.yml").read_text(encoding="utf-8") == render_manifest(EXAMPLE_BASE_URL)


@pytest.mark.parametrize("socket_mode", [False, True], ids=["http", "socket-mode"])
def test_slack_would_accept_the_generated_manifest(socket_mode: bool) -> None:
    manifest = yaml.safe_load(render_manifest("https://ops.example.cn/", socket_mode=socket_mode))
    assert slack_problems(manifest) == []
    urls = re.findall(r"https://[^\s'\"]+", yaml.safe_dump(manifest))
    if socket_mode:
        assert manifest["settings"]["socket_mode_enabled"] is True
        assert urls == []  # Slack talks over the WebSocket; no URL to keep up to date
    else:
        assert set(urls) == {
            "https://ops.example.cn/slack/events",
            "https://ops.example.cn/slack/oauth_redirect",
        }


def test_manifest_and_code_name_the_same_commands_events_and_scopes() -> None:
    manifest = build_manifest()
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert commands == list(SLASH_COMMANDS)
    assert set(commands).isdisjoint(LEGACY_SLASH_COMMANDS)  # old names: answered, never declared
    assert all(c.startswith("/mo-") for c in commands if c != "/memberops")
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == list(BOT_EVENTS)
    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)


def broken(change) -> dict[str, Any]:
    manifest = copy.deepcopy(build_manifest())
    change(manifest)
    return manifest


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda m: m["features"]["slash_commands"][5].update(command="/search"),
            "/search: one of Slack's built-in",
        ),
        (lambda m: m["features"]["slash_commands"][0].update(command="/MO-Goal"), "not / + [a-z0-9_-]"),
        (
            lambda m: m["features"]["slash_commands"][0].update(command="/" + "x" * 32),
            "at most 32 characters",
        ),
        (lambda m: m["features"]["slash_commands"].extend([m["features"]["slash_commands"][0]] * 50), "> 50"),
        (lambda m: m["features"]["slash_commands"][0].update(description=""), "description required"),
        (lambda m: m["features"]["slash_commands"][0].update(usage_hint="例" * 1001), "usage hint at most"),
        (lambda m: m["features"]["slash_commands"][0].pop("url"), "request URL required"),
        (lambda m: m["features"]["slash_commands"][0].update(url="http://x/slack/events"), "is not https"),
        (
            lambda m: m["oauth_config"]["scopes"]["bot"].remove("app_mentions:read"),
            "needs scope app_mentions:read",
        ),
        (
            lambda m: m["oauth_config"]["scopes"]["bot"].remove("im:history"),  # message.im without its scope
            "needs scope im:history",
        ),
        (
            lambda m: m["features"]["app_home"].update(home_tab_enabled=False),  # app_home_opened, no home
            "home_tab_enabled",
        ),
        (lambda m: m["settings"]["interactivity"].pop("request_url"), "interactivity: request URL required"),
        (lambda m: m["display_information"].update(name="M" * 36), "1–35 characters"),
    ],
)
def test_the_check_refuses_what_slack_refuses(change, expected: str) -> None:
    problems = slack_problems(broken(change))
    assert any(expected in p for p in problems), problems


def test_socket_mode_lets_the_urls_go_but_not_the_scopes() -> None:
    manifest = build_manifest(socket_mode=True)
    assert slack_problems(manifest) == []
    manifest["oauth_config"]["scopes"]["bot"].remove("app_mentions:read")
    assert slack_problems(manifest) == ["bot event app_mention: needs scope app_mentions:read"]


def test_cli_prints_the_manifest_for_the_configured_url_and_refuses_a_plain_http_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = CliRunner()
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bot.ops.example.cn")
    printed = runner.invoke(cli, ["slack", "manifest"])
    assert printed.exit_code == 0, printed.output
    assert printed.output == render_manifest("https://bot.ops.example.cn")
    assert "url: https://bot.ops.example.cn/slack/events" in printed.output

    socket = runner.invoke(cli, ["slack", "manifest", "--socket-mode"])
    assert socket.exit_code == 0
    assert "socket_mode_enabled: true" in socket.output and "https://bot" not in socket.output

    refused = runner.invoke(cli, ["slack", "manifest", "--base-url", "http://127.0.0.1:8000"])
    assert refused.exit_code == 2
    assert "public https URL" in refused.output and "--socket-mode" in refused.output
    with pytest.raises(ManifestError):
        build_manifest("https://")
