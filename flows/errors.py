"""Errors shared by every stage of carbonflow.

Every failure of an external tool (yosys, Icarus, SCALE-Sim) is raised as a subclass of
:class:`CarbonflowError` that carries the tool's own output, so that a user sees *why* it failed.
Bad user input is a :class:`ConfigError` (a ``ValueError``): its message names the parameter,
the allowed range or set, and the bad value.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "CarbonflowError",
    "ConfigError",
    "SynthesisError",
    "SimulationError",
    "check_int",
    "check_real",
    "check_choice",
    "check_known_keys",
    "read_json_file",
]


class CarbonflowError(Exception):
    """Base class of every error raised on purpose by carbonflow."""


class ConfigError(CarbonflowError, ValueError):
    """A parameter is outside its allowed range or set (bad user input: CLI exit code 2)."""


class SynthesisError(CarbonflowError):
    """yosys failed; ``log`` holds the tail of its log."""

    def __init__(self, message: str, log: str = ""):
        super().__init__(message + (f"\n--- yosys log (tail) ---\n{log}" if log else ""))
        self.log = log


class SimulationError(CarbonflowError):
    """A simulator (SCALE-Sim, Icarus/cocotb) failed; ``output`` holds what it printed."""

    def __init__(self, message: str, output: str = ""):
        super().__init__(message + (f"\n--- simulator output (tail) ---\n{output}" if output else ""))
        self.output = output


def check_int(name: str, value: object, lo: int, hi: int | None = None) -> int:
    """Return ``value`` if it is an int in ``[lo, hi]``, else raise :class:`ConfigError`.

    ``hi=None`` means no upper bound. ``bool`` is rejected (it is an ``int`` subclass).
    """
    rng = f"[{lo}, {hi}]" if hi is not None else f"[{lo}, inf)"
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be an integer in {rng}, got {value!r}")
    if value < lo or (hi is not None and value > hi):
        raise ConfigError(f"{name} must be in {rng}, got {value!r}")
    return value


def check_real(
    name: str, value: object, lo: float, hi: float | None = None, *, lo_open: bool = False
) -> float:
    """Return ``float(value)`` if it is a finite number in the range, else raise ConfigError.

    ``lo_open=True`` excludes ``lo`` itself (e.g. strictly positive quantities).
    """
    left = "(" if lo_open else "["
    rng = f"{left}{lo:g}, {hi:g}]" if hi is not None else f"{left}{lo:g}, inf)"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{name} must be a number in {rng}, got {value!r}")
    v = float(value)
    bad_lo = v <= lo if lo_open else v < lo
    if v != v or bad_lo or (hi is not None and v > hi) or v == float("inf"):
        raise ConfigError(f"{name} must be in {rng}, got {value!r}")
    return v


def check_choice(name: str, value: object, choices: Iterable[object]) -> object:
    """Return ``value`` if it is one of ``choices``, else raise :class:`ConfigError`."""
    options = list(choices)
    if value not in options:
        listed = ", ".join(repr(c) for c in options)
        raise ConfigError(f"{name} must be one of {listed}; got {value!r}")
    return value


def check_known_keys(what: str, given: Iterable[str], known: Iterable[str]) -> None:
    """Raise :class:`ConfigError` naming the unknown keys of ``given`` and listing ``known``."""
    known_set = set(known)
    unknown = sorted(set(given) - known_set)
    if unknown:
        raise ConfigError(f"unknown {what} {', '.join(unknown)}; "
                          f"known: {', '.join(sorted(known_set))}")


def read_json_file(path, what: str):
    """The JSON value in ``path``; a missing or malformed file is a :class:`ConfigError`."""
    import json
    from pathlib import Path

    p = Path(path)
    try:
        return json.loads(p.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{what} {str(p)!r} does not exist") from None
    except json.JSONDecodeError as e:
        raise ConfigError(f"{what} {str(p)!r} is not valid JSON: {e}") from None
