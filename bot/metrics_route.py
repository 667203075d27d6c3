"""``GET /metrics``: the Prometheus text exposition of the service.

The process-wide instruments of :mod:`handlers.telemetry`, plus what is read at scrape time: the rows and
queries a warehouse source has answered (and their total time), and deliveries by state from the outbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.context import AppContext
from handlers.telemetry import REGISTRY
from storage.outbox_repo import state_counts


class ScrapeTimeCollector(Collector):
    def __init__(self, context: AppContext) -> None:
        self.context = context

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        source = self.context.source
        rows = CounterMetricFamily(
            "memberops_source_rows_read", "Rows the cube source returned", labels=["source"]
        )
        queries = CounterMetricFamily(
            "memberops_source_queries", "Queries sent to the cube source", labels=["source"]
        )
        seconds = CounterMetricFamily(
            "memberops_source_query_seconds", "Time spent in cube source queries", labels=["source"]
        )
        rows.add_metric([source.name], float(getattr(source, "rows_read", 0)))
        queries.add_metric([source.name], float(getattr(source, "queries_run", 0)))
        seconds.add_metric([source.name], float(getattr(source, "query_seconds", 0.0)))
        yield from (rows, queries, seconds)
        deliveries = GaugeMetricFamily("memberops_deliveries", "Digest deliveries by state", labels=["state"])
        for state, count in sorted(state_counts(self.context.engine).items()):
            deliveries.add_metric([state], float(count))
        yield deliveries


def metrics_routes(context: AppContext) -> list[Route]:
    scrape_time = CollectorRegistry(auto_describe=True)
    scrape_time.register(ScrapeTimeCollector(context))

    async def metrics(_request: Request) -> Response:
        body = await asyncio.to_thread(lambda: generate_latest(REGISTRY) + generate_latest(scrape_time))
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return [Route("/metrics", metrics, methods=["GET"])]
