import operator

import pytest

from carbonflow.flows.errors import ConfigError
from carbonflow.search.executor import make_executor


def _square(x):
    return x * x


@pytest.mark.parametrize("spec, workers", [("serial", 1), ("local", 2), ("dask-local", 2)])
def test_executors_map_in_order(spec, workers):
    with make_executor(spec, workers) as ex:
        assert ex.map(_square, range(7)) == [0, 1, 4, 9, 16, 25, 36]
        assert ex.map(operator.neg, []) == []


def test_unknown_executor_and_unreachable_scheduler():
    with pytest.raises(ConfigError, match=r"^executor must be 'local', 'serial', 'dask-local'"):
        make_executor("mpi://x")
    with pytest.raises(ConfigError, match=r"cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'"):
        make_executor("tcp://127.0.0.1:9", connect_timeout_s=2)
