"""Prometheus metrics: requests by route template and status, imports, the database pool.

Metrics are per process (scrape each replica); a container runs one uvicorn worker and
scales out with replicas.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine


class _PoolCollector(Collector):
    """The connection pool's state, read when scraped."""

    def __init__(self) -> None:
        self.engine: AsyncEngine | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool = self.engine.pool if self.engine is not None else None
        readings = {
            "size": "Connections the pool keeps.",
            "checkedout": "Connections in use by requests.",
            "checkedin": "Idle connections in the pool.",
            "overflow": "Connections beyond the pool size in use (negative: room left).",
        }
        for name, description in readings.items():
            gauge = GaugeMetricFamily(f"inventory_db_pool_{name}", description)
            reading = getattr(pool, name, None)
            if callable(reading):
                gauge.add_metric([], float(reading()))
            yield gauge


@dataclass
class Metrics:
    registry: CollectorRegistry
    requests: Counter
    request_seconds: Histogram
    imports: Counter
    import_rows: Counter
    import_seconds: Histogram
    pool: _PoolCollector

    @classmethod
    def create(cls) -> "Metrics":
        registry = CollectorRegistry()
        pool = _PoolCollector()
        registry.register(pool)
        return cls(
            registry=registry,
            requests=Counter(
                "inventory_http_requests",
                "HTTP requests answered, by method, route template and status.",
                ["method", "route", "status"],
                registry=registry,
            ),
            request_seconds=Histogram(
                "inventory_http_request_duration_seconds",
                "Time to answer an HTTP request, by method, route template and status.",
                ["method", "route", "status"],
                registry=registry,
                buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            ),
            imports=Counter(
                "inventory_imports",
                "Imports, by kind (stock_count, catalog), format and outcome.",
                ["kind", "format", "outcome"],
                registry=registry,
            ),
            import_rows=Counter(
                "inventory_import_rows",
                "Sheet rows read by imports, by kind, format and outcome.",
                ["kind", "format", "outcome"],
                registry=registry,
            ),
            import_seconds=Histogram(
                "inventory_import_duration_seconds",
                "Time an import took, by kind, format and outcome.",
                ["kind", "format", "outcome"],
                registry=registry,
                buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
            ),
            pool=pool,
        )


@dataclass
class ImportRun:
    """What the import code fills in while it runs; recorded when it ends."""

    format: str = "unknown"
    rows: int = 0
    outcome: str = "error"


@contextmanager
def import_run(metrics: Metrics, kind: str) -> Iterator[ImportRun]:
    run = ImportRun()
    start = time.perf_counter()
    try:
        yield run
    finally:
        labels = (kind, run.format, run.outcome)
        metrics.imports.labels(*labels).inc()
        metrics.import_rows.labels(*labels).inc(run.rows)
        metrics.import_seconds.labels(*labels).observe(time.perf_counter() - start)
