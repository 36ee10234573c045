import pytest


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny models train faster on one thread (and CI has two cores)."""
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)
