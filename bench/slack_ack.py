"""Slack ack latency: N concurrent signed slash commands against a running ``memberops serve``.

Starts the fake Slack Web API (tests/fakes/slack_api.py) in this process and ``memberops serve`` in a
subprocess (temp SQLite database, SLACK_API_URL pointing at the fake), warms it up with one command (Bolt's
auth.test), then fires N commands at once with httpx.AsyncClient and prints the ack latency p50/p99 (time
to the HTTP response carrying the "working on it" ephemeral), errors, and how many cards then arrived at
the response_urls. Each round is one burst; the next starts once the previous round's cards are delivered.
Target on a 2-core machine: p99 < 300 ms at N=50, zero errors.

    .venv/bin/python bench/slack_ack.py [--n 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.slack_api import FakeSlack, command_body, signed_headers  # noqa: E402

SECRET = "bench-signing-secret"
COMMANDS = ("/help", "/why", "/goal", "/search", "/strategy", "/retro", "/memberops")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(fake: FakeSlack, workdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "DINGTALK_", "WECOM_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{workdir / 'bench.db'}",
        DATA_DIR=str(workdir),
        PORT=str(port),
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    process = subprocess.Popen(
        [sys.executable, "-c", "from bot.cli import main; main()", "serve"], env=env, cwd=workdir
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code in (200, 503):
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("server did not start")


async def one(client: httpx.AsyncClient, url: str, fake: FakeSlack, index: int) -> tuple[float, str | None]:
    command = COMMANDS[index % len(COMMANDS)]
    body = command_body(command, "本周 边现", fake.response_url(f"bench-{index}"))
    started = time.perf_counter()
    try:
        response = await client.post(
            f"{url}/slack/events", content=body, headers=signed_headers(SECRET, body)
        )
    except httpx.HTTPError as error:
        return time.perf_counter() - started, type(error).__name__
    elapsed = time.perf_counter() - started
    ok = response.status_code == 200 and "正在处理" in response.text
    return elapsed, None if ok else f"HTTP {response.status_code}"


async def burst(url: str, fake: FakeSlack, n: int, offset: int) -> list[tuple[float, str | None]]:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        return await asyncio.gather(*(one(client, url, fake, offset + i) for i in range(n)))


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    fake = FakeSlack().start()
    with tempfile.TemporaryDirectory() as tmp:
        process, url = start_server(fake, Path(tmp))
        try:
            warm = asyncio.run(burst(url, fake, 1, 10_000))
            assert warm[0][1] is None, warm
            fake.wait_for("response", "bench-10000", timeout=60)
            results: list[tuple[float, str | None]] = []
            for round_index in range(
                args.rounds
            ):  # one burst at a time: the next starts once all cards are out
                results += asyncio.run(burst(url, fake, args.n, round_index * args.n))
                cards = fake.wait_for("response", None, count=(round_index + 1) * args.n + 1, timeout=120)
            total = args.n * args.rounds
        finally:
            process.terminate()
            process.wait(timeout=15)
            fake.close()
    latencies_ms = [elapsed * 1000 for elapsed, _ in results]
    errors = [error for _, error in results if error is not None]
    print(
        f"slack ack: {args.rounds} rounds × {args.n} concurrent signed slash commands (cpu={os.cpu_count()})"
    )
    print(
        f"  ack latency p50 {percentile(latencies_ms, 50):.0f} ms, p99 {percentile(latencies_ms, 99):.0f} ms, "
        f"max {max(latencies_ms):.0f} ms"
    )
    print(f"  errors: {len(errors)} {sorted(set(errors)) if errors else ''}")
    print(f"  cards delivered to response_urls afterwards: {len(cards) - 1}/{total}")


if __name__ == "__main__":
    main()
