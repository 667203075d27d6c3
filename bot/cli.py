"""The ``memberops`` command line (typer): init, import, serve, db upgrade — and later scan, ask, …"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer

from bot.context import AppContext
from bot.logging_setup import configure_logging

if TYPE_CHECKING:
    from handlers.card import Card
    from handlers.context import HandlerContext

app = typer.Typer(
    help="MemberOps Copilot (会员运营智能助手): data + AI for membership operations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema management (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")
ai_app = typer.Typer(help="The AI engine: call statistics.", no_args_is_help=True)
app.add_typer(ai_app, name="ai")
source_app = typer.Typer(help="The metric cube's source (METRICS_SOURCE): check it.", no_args_is_help=True)
app.add_typer(source_app, name="source")
slack_app = typer.Typer(help="Slack set-up: the app manifest for this installation.", no_args_is_help=True)
app.add_typer(slack_app, name="slack")
messengers_app = typer.Typer(help="Slack, DingTalk and WeCom channels: check them.", no_args_is_help=True)
app.add_typer(messengers_app, name="messengers")


@messengers_app.command("check")
def messengers_check(
    send_test: Annotated[
        bool, typer.Option("--send-test", help="Post a test card to every channel.")
    ] = False,
) -> None:
    """For every configured messenger: what is set, a real call with its credentials, where alerts go."""
    from bot.messengers_check import check_messengers

    lines = check_messengers(_context(), send_test=send_test)
    for line in lines:
        typer.echo(f"{'ok ' if line.ok else 'FAIL'} {line.channel}: {line.detail}")
    if not all(line.ok for line in lines):
        raise typer.Exit(1)


def _context() -> AppContext:
    """The process context with the database schema at the latest migration (every command needs both)."""
    from storage.migrate import upgrade

    try:
        context = AppContext.from_environment()
    except ValueError as exc:  # ConfigError, or pydantic's validation of a single variable
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from exc
    configure_logging(context.settings.log_level, context.settings.log_format)
    upgrade(context.engine)
    return context


def _yesterday(timezone: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(timezone)).date() - dt.timedelta(days=1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema to the latest migration."""
    from storage.migrate import current_revision

    context = _context()
    typer.echo(f"database at revision {current_revision(context.engine)} ({context.engine.dialect.name})")


@source_app.command("check")
def source_check() -> None:
    """Connect to METRICS_SOURCE and check the table, its columns, recent days and a grouped query."""
    from storage.sources import SourceError, WarehouseSource
    from storage.sources.check import check_source

    context = _context()
    source = context.source
    if not isinstance(source, WarehouseSource):
        first, last, rows = (span := source.date_range()).first, span.last, span.rows
        typer.echo(
            f"source: the embedded store ({context.engine.dialect.name}); {rows:,} rows, {first} … {last}"
        )
        typer.echo("set METRICS_SOURCE and METRICS_TABLE to read the cube from a warehouse")
        return
    try:
        report = check_source(source)
    except SourceError as exc:
        typer.echo(f"source: {source.shown_url}", err=True)
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        source.dispose()
    for line in report.lines():
        typer.echo(line)


@slack_app.command("manifest")
def slack_manifest(
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="The public https URL Slack calls (default: PUBLIC_BASE_URL)."),
    ] = None,
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="No public URL: Slack talks to us over Socket Mode.")
    ] = False,
) -> None:
    """Print the Slack app manifest (commands, events, scopes and URLs) to paste into api.slack.com/apps."""
    from bot.slack.manifest import ManifestError, render_manifest
    from core.config import load_settings

    try:
        url = base_url or load_settings().public_base_url
        typer.echo(render_manifest(url, socket_mode=socket_mode), nl=False)
    except (ManifestError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@ai_app.command("stats")
def ai_stats(
    days: Annotated[int, typer.Option(min=1, help="Look back this many days.")] = 7,
) -> None:
    """Latency, tokens and outcome (ok / repaired / fallback and why) of the AI calls."""
    from storage.ai_calls_repo import call_stats

    context = _context()
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    rows = call_stats(context.engine, since)
    if not rows:
        typer.echo(f"no AI calls in the last {days} days")
        return
    typer.echo(
        f"{'section':<14}{'outcome':<10}{'reason':<28}{'calls':>6}{'mean s':>8}{'max s':>8}{'tokens in/out':>16}"
    )
    for r in rows:
        tokens = f"{r.prompt_tokens}/{r.completion_tokens}"
        typer.echo(
            f"{r.section:<14}{r.outcome:<10}{(r.reason or '-')[:27]:<28}{r.calls:>6}"
            f"{r.mean_latency_s:>8.2f}{r.max_latency_s:>8.2f}{tokens:>16}"
        )
    total = sum(r.calls for r in rows)
    fallback = sum(r.calls for r in rows if r.outcome == "fallback")
    typer.echo(f"total {total} calls, {fallback} fell back to the offline narrator")


@app.command()
def init(
    demo: Annotated[bool, typer.Option("--demo", help="Load the deterministic demo data set.")] = False,
    days: Annotated[int, typer.Option(min=30, max=1500, help="Days of demo data.")] = 180,
    end: Annotated[
        str | None, typer.Option(help="Last demo day, YYYY-MM-DD (default: yesterday in TIMEZONE).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 7,
    force: Annotated[bool, typer.Option("--force", help="Replace existing data with the demo.")] = False,
    campaign_effects: Annotated[
        bool,
        typer.Option(
            "--campaign-effects/--no-campaign-effects",
            help="The demo cube carries each campaign's true effect on its target segment (what /retro "
            "measures; written to demo_campaign_effects.json). On by default.",
        ),
    ] = True,
) -> None:
    """Create the database; with --demo, load demo data if the database is empty (or --force)."""
    from handlers.demo_setup import load_demo

    context = _context()
    if not demo:
        typer.echo("database ready; load data with `memberops import` or `memberops init --demo`")
        return
    summary = load_demo(
        context.engine,
        end=_parse_day(end, "--end") or _yesterday(context.settings.timezone),
        days=days,
        seed=seed,
        data_dir=context.settings.data_dir,
        calendar=context.calendar,
        force=force,
        campaign_effects=campaign_effects,
    )
    if not summary.loaded:
        typer.echo(
            f"database already holds data ({summary.fact_rows} rows, {summary.first_day} … {summary.last_day}); "
            "demo not loaded (use --force to replace)"
        )
        return
    typer.echo(
        f"demo loaded: {summary.fact_rows} fact rows {summary.first_day} … {summary.last_day}, "
        f"{summary.segments} segments, {summary.campaigns} campaigns, {summary.resources} resource positions, "
        f"{summary.anomalies} injected anomalies (ground truth: {summary.ground_truth_file})"
        + (
            f", campaigns' true effects: {summary.campaign_effects_file}"
            if summary.campaign_effects_file
            else ""
        )
    )


@app.command("import")
def import_(
    kind: Annotated[str, typer.Argument(help="metrics | segments | campaigns | resources")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    replace: Annotated[
        bool, typer.Option("--replace", help="metrics only: replace the whole cube (e.g. new dimensions).")
    ] = False,
) -> None:
    """Import a CSV file (UTF-8, UTF-8 with BOM or GBK). A file with any bad row is refused whole (exit 2)."""
    from core.importing import ImportKind, ImportRejected
    from handlers.data_import import import_file
    from storage.metrics_repo import DimensionMismatch

    if kind not in {k.value for k in ImportKind}:
        typer.echo(f"unknown kind {kind!r}: use one of metrics, segments, campaigns, resources", err=True)
        raise typer.Exit(2)
    context = _context()
    try:
        summary = import_file(context.engine, kind, file, replace=replace)
    except ImportRejected as exc:
        typer.echo(f"{file}: refused, nothing was written:", err=True)
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    except DimensionMismatch as exc:
        typer.echo(f"{file}: refused, nothing was written: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"imported {summary.rows} {summary.kind} rows from {summary.file} ({summary.encoding})")


def _check_source_at_start(context: AppContext) -> None:
    """A warehouse's table and columns are checked before serving: a wrong setting stops the start."""
    from storage.sources import SourceError, WarehouseSource
    from storage.sources.check import check_mapping_at_start

    if not isinstance(context.source, WarehouseSource):
        return
    try:
        warning = check_mapping_at_start(context.source)
    except SourceError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if warning:
        typer.echo(f"warning: {warning}", err=True)
    else:
        mapping = context.source.mapping
        typer.echo(
            f"cube source: {context.source.shown_url} table {mapping.table} ({len(mapping.dimensions)} dimensions)"
        )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default PORT).")] = None,
) -> None:
    """Start the service: HTTP app (health, Slack, downloads, callbacks) and the daily alert job."""
    import uvicorn

    from bot.http_app import create_app

    context = _context()
    _check_source_at_start(context)
    settings = context.settings
    bind_host, bind_port = host or settings.host, port or settings.port
    typer.echo(f"MemberOps Copilot serving on http://{bind_host}:{bind_port} (health: /healthz)")
    http_app = create_app(context)
    config = uvicorn.Config(http_app, host=bind_host, port=bind_port, log_level=settings.log_level.lower())
    server = uvicorn.Server(config)
    from scheduler.scheduler_app import start_alert_service

    alerts = start_alert_service(context)
    typer.echo(
        f"daily alerts: ALERT_CRON {settings.alert_cron!r} ({settings.timezone}) to {', '.join(alerts.runtime.channels)}"
    )
    try:
        if settings.slack_app_token is None or http_app.state.slack_bolt is None:
            server.run()
            return
        import asyncio

        from bot.slack.socket_mode import serve_with_socket_mode

        typer.echo("Slack Socket Mode: on (SLACK_APP_TOKEN)")
        asyncio.run(
            serve_with_socket_mode(
                server, http_app.state.slack_bolt, settings.slack_app_token.get_secret_value()
            )
        )
    finally:
        alerts.shutdown()


def _parse_day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        typer.echo(f"{option}: not a date (YYYY-MM-DD): {value!r}", err=True)
        raise typer.Exit(2) from exc


@app.command()
def scan(
    date: Annotated[
        str | None, typer.Option("--date", help="Score this day (default: latest day with data).")
    ] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day of a range.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day of a range.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list, one object per alert.")] = False,
    language: Annotated[str | None, typer.Option("--lang", help="zh | en (default LANGUAGE)")] = None,
    notify: Annotated[
        bool,
        typer.Option(
            "--notify",
            help="Send the day's digest through the alert pipeline (exactly once per day and channel).",
        ),
    ] = False,
) -> None:
    """Detect anomalies (calendar effects removed) and localise their root causes over the dimensions."""
    import json

    from bot.render.scan_text import render_scan
    from core.detection import alerts_to_json
    from handlers.errors import UsageError
    from handlers.scan import scan_days

    context = _context()
    lang = language or context.settings.language
    try:
        result = scan_days(
            context.data,
            context.calendar,
            day=_parse_day(date, "--date"),
            start=_parse_day(from_, "--from"),
            end=_parse_day(to, "--to"),
            language=lang,
        )
    except UsageError as exc:
        typer.echo(exc.zh if lang == "zh" else exc.en, err=True)
        raise typer.Exit(2) from exc
    if as_json:
        before = _alerts_before(context, result.dates, lang)
        typer.echo(json.dumps(alerts_to_json(result, before), ensure_ascii=False, indent=2))
    else:
        typer.echo(render_scan(result))
    if notify:
        _notify(context, result.dates)


def _alerts_before(context: AppContext, days: list[dt.date], language: str) -> list:  # type: ignore[type-arg]
    """The alerts of the day before the first scanned day (a series that stopped alerting has recovered)."""
    from handlers.errors import UsageError
    from handlers.scan import scan_days

    if not days:
        return []
    try:
        return scan_days(
            context.data, context.calendar, day=min(days) - dt.timedelta(days=1), language=language
        ).alerts
    except UsageError:
        return []


def _notify(context: AppContext, days: list[dt.date]) -> None:
    """Run the daily alert pipeline for each scanned day; report what was queued and delivered (stderr)."""
    from scheduler.pipeline import notify_scan

    for day in days:
        outcome = notify_scan(context, day)
        report = outcome.delivery
        delivered = (
            f", delivered {len(report.sent)}, retrying {len(report.retrying)}, failed {len(report.failed)}"
            if report is not None
            else ""
        )
        typer.echo(
            f"{day}: {outcome.state}, {outcome.announced} announced, {outcome.quiet} kept quiet, "
            f"queued {len(outcome.queued)}{delivered}",
            err=True,
        )


@app.command()
def why(
    words: Annotated[
        list[str] | None,
        typer.Argument(help="As after /mo-why: [DATE | D1~D2 | 本周 | 上周] [METRIC] [dim=value | value …]"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the facts behind /why as JSON.")] = False,
    language: Annotated[str | None, typer.Option("--lang", help="zh | en (default LANGUAGE)")] = None,
) -> None:
    """Why a metric moved: its change against the comparable period, whether that is within the normal
    range, and the slices whose own change is significant."""
    from core.why.json_contract import facts_to_json
    from handlers.why import handle_why, why_facts

    args = " ".join(words or [])
    _facts_or_card(
        language,
        as_json,
        lambda context: facts_to_json(why_facts(args, context)[0]),
        lambda context: handle_why(args, context),
    )


@app.command()
def retro(
    words: Annotated[
        list[str] | None, typer.Argument(help="As after /mo-retro: CAMPAIGN_ID | D1~D2 | 上周")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the lift against the counterfactual as JSON.")
    ] = False,
    language: Annotated[str | None, typer.Option("--lang", help="zh | en (default LANGUAGE)")] = None,
) -> None:
    """A campaign's retrospective: its lift against the counterfactual without it, plan vs actual, drivers."""
    from core.retro.json_contract import retro_to_json
    from handlers.retro import handle_retro, retro_facts

    args = " ".join(words or [])
    _facts_or_card(
        language,
        as_json,
        lambda context: retro_to_json(retro_facts(args, context)),
        lambda context: handle_retro(args, context),
    )


@app.command()
def abtest(
    words: Annotated[
        list[str] | None,
        typer.Argument(help="As after /mo-abtest: SLICE [METRIC] [EFFECT%] [N天] | 读数 CAMPAIGN_ID"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan or the readout as JSON.")] = False,
    language: Annotated[str | None, typer.Option("--lang", help="zh | en (default LANGUAGE)")] = None,
) -> None:
    """Plan a test on one slice — the minimum detectable effect, the days needed, the lengths — or read a
    finished campaign out (读数 CAMPAIGN_ID)."""
    from handlers.abtest import abtest_facts, handle_abtest

    args = " ".join(words or [])
    _facts_or_card(
        language,
        as_json,
        lambda context: abtest_facts(args, context),
        lambda context: handle_abtest(args, context),
    )


def _facts_or_card(
    language: str | None,
    as_json: bool,
    facts: Callable[[HandlerContext], dict[str, Any]],
    card: Callable[[HandlerContext], Card],
) -> None:
    """Print a command's facts as JSON or its card as text; a usage error goes to stderr with exit code 2."""
    import json

    from bot.render.formats import render
    from handlers.errors import UsageError

    context = _context()
    lang = language or context.settings.language
    handler_context = context.handler_context(lang)
    try:
        if as_json:
            typer.echo(json.dumps(facts(handler_context), ensure_ascii=False, indent=2))
        else:
            typer.echo(render(card(handler_context), "text"))
    except UsageError as exc:
        typer.echo(exc.zh if lang == "zh" else exc.en, err=True)
        raise typer.Exit(2) from exc


@app.command()
def forecast(
    words: Annotated[
        list[str], typer.Argument(help="METRIC [dim=value | value …], e.g. 边现 segment=家庭向高活跃")
    ],
    days: Annotated[int, typer.Option("--days", help="Horizon in days (1-90).")] = 30,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Forecast from this day (YYYY-MM-DD).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the forecast as JSON.")] = False,
    language: Annotated[str | None, typer.Option("--lang", help="zh | en (default LANGUAGE)")] = None,
) -> None:
    """The metric's forecast (the one /goal uses): daily values with an 80 % interval and their mean."""
    import json

    from handlers.errors import UsageError
    from handlers.forecast import forecast_facts, forecast_to_json

    context = _context()
    lang = language or context.settings.language
    try:
        facts = forecast_facts(
            " ".join(words), days, _parse_day(as_of, "--as-of"), context.handler_context(lang)
        )
    except UsageError as exc:
        typer.echo(exc.zh if lang == "zh" else exc.en, err=True)
        raise typer.Exit(2) from exc
    payload = forecast_to_json(facts)
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    where = "/".join(facts.scope.values()) or ("整体" if lang == "zh" else "total")
    typer.echo(
        f"{payload['metric_label']} · {where} · {payload['days']} days from {payload['as_of']}: "
        f"{payload['mean']:.6g} (80 %: {payload['low']:.6g} ~ {payload['high']:.6g})"
    )


@app.command()
def ask(
    text: Annotated[
        str, typer.Argument(help="A command as typed in a messenger, e.g. '/mo-search 家庭剧 周末'.")
    ],
    format_: Annotated[str, typer.Option("--format", help="text | json | slack | dingtalk | wecom")] = "text",
    language: Annotated[str | None, typer.Option("--lang", help="zh | en (default LANGUAGE)")] = None,
) -> None:
    """Run any command locally and print its card, exactly as a messenger would receive it."""
    from bot.render.formats import FORMATS, render
    from handlers.dispatch import run_command

    if format_ not in FORMATS:
        typer.echo(f"--format must be one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)
    if language is not None and language not in ("zh", "en"):
        typer.echo("--lang must be zh or en", err=True)
        raise typer.Exit(2)
    context = _context()
    card = run_command(text, context.handler_context(language))
    typer.echo(render(card, format_))


@app.command()
def deliveries(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Show this many recent rows.")] = 20,
    resend: Annotated[
        list[int] | None, typer.Option("--resend", help="Queue a failed delivery again (row id; repeatable).")
    ] = None,
    resend_failed: Annotated[
        bool, typer.Option("--resend-failed", help="Queue every failed delivery again.")
    ] = False,
) -> None:
    """Recent alert deliveries (digest, channel, status, tries, error); --resend puts failed ones back."""
    from storage.outbox_repo import recent_deliveries, requeue_failed

    context = _context()
    now = dt.datetime.now(dt.UTC)
    if resend or resend_failed:
        count = requeue_failed(context.engine, now, ids=None if resend_failed else resend)
        typer.echo(f"{count} failed deliveries queued again (sent by the running service within a minute)")
    rows = recent_deliveries(context.engine, limit)
    if not rows:
        typer.echo("no deliveries yet")
        return
    typer.echo(
        f"{'id':>5}  {'digest':<20}{'channel':<10}{'status':<9}{'tries':>5}  {'updated (UTC)':<20}error"
    )
    for r in rows:
        updated = r.updated_at.strftime("%Y-%m-%d %H:%M:%S") if r.updated_at else "-"
        typer.echo(
            f"{r.id:>5}  {r.digest_key:<20}{r.channel:<10}{r.status:<9}{r.attempts:>5}  {updated:<20}"
            f"{(r.last_error or '')[:120]}"
        )


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="memberops")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
