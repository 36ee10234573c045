import pytest

from carbonflow.model.space import ModelKnobs


def smooth_accuracy(knobs: list[ModelKnobs]) -> list[float]:
    """A cheap stand-in for the trained proxy in search-mechanics tests: accuracy grows with every
    kept fraction (more capacity, more accuracy), so the trade-off against carbon is real."""
    out = []
    for k in knobs:
        fr = [getattr(k, f) for f in ModelKnobs.__slots__]
        out.append(0.2 + 0.7 * (sum(fr) / len(fr) - 0.5) / 0.5)
    return out


@pytest.fixture
def accuracy_fn():
    return smooth_accuracy
