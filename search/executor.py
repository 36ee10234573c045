"""Where expensive evaluations run: in-process, local processes, or a Dask cluster."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from carbonflow.flows.errors import ConfigError

__all__ = ["Executor", "make_executor"]


class Executor:
    """``map(fn, items)`` -> list of results in order; ``close()`` when done."""

    def __init__(self, kind: str, mapper: Callable, closer: Callable[[], None] | None = None):
        self.kind = kind
        self._map = mapper
        self._close = closer

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        items = list(items)
        return list(self._map(fn, items)) if items else []

    def close(self) -> None:
        if self._close:
            self._close()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def make_executor(spec: str | None = None, workers: int = 2, *,
                  connect_timeout_s: float = 20.0) -> Executor:
    """``None``/``"local"``: a pool of ``workers`` processes; ``"serial"``: this process;
    ``"dask-local"``: a Dask LocalCluster; ``"tcp://host:port"``: an existing Dask scheduler."""
    if spec in (None, "local"):
        if workers <= 1:
            return Executor("serial", lambda f, xs: [f(x) for x in xs])
        pool = ProcessPoolExecutor(max_workers=workers)
        return Executor(f"processes:{workers}", pool.map, lambda: pool.shutdown(cancel_futures=True))
    if spec == "serial":
        return Executor("serial", lambda f, xs: [f(x) for x in xs])
    if spec == "dask-local" or str(spec).startswith("tcp://"):
        from dask.distributed import Client, LocalCluster

        if spec == "dask-local":
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)

            def close():
                client.close()
                cluster.close()
        else:
            try:
                client = Client(spec, timeout=connect_timeout_s)
            except OSError as e:
                raise ConfigError(f"cannot reach the Dask scheduler at {spec!r}: {e}") from None
            close = client.close

        def mapper(f, xs):
            return client.gather(client.map(f, xs, pure=False))

        return Executor(f"dask:{spec}", mapper, close)
    raise ConfigError(f"executor must be 'local', 'serial', 'dask-local' or a tcp://host:port "
                      f"Dask scheduler address; got {spec!r}")
