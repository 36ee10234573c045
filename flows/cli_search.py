"""``carbonflow search`` and ``carbonflow flow``."""

from __future__ import annotations

import argparse
import json

from carbonflow.flows.cli import command, register_args
from carbonflow.flows.tables import format_table


def _args_flow(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default="flows/default.toml", metavar="TOML",
                   help="flow configuration (default flows/default.toml)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: [flow] out_dir)")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted search from its archive")
    p.add_argument("--dask", metavar="ADDR",
                   help="run accuracy evaluations on a Dask scheduler (tcp://host:port) or "
                        "'dask-local' for a local Dask cluster")
    p.add_argument("--seed", type=int, help="override [search] seed")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _load(args):
    from dataclasses import replace

    from carbonflow.flows.config import load_flow_config

    cfg = load_flow_config(args.config)
    s = cfg.search
    if args.dask:
        s = replace(s, executor=args.dask)
    if args.seed is not None:
        s = replace(s, seed=args.seed)
    return replace(cfg, search=s, out_dir=args.out or cfg.out_dir)


def _print_designs(chosen: dict) -> None:
    rows = []
    for name, p in chosen.items():
        hw = p["hw"]
        rows.append([f"{name}-optimal", f"{hw['rows']}x{hw['cols']} {hw['dataflow']}",
                     f"{hw['node_nm']} nm", f"{hw['freq_mhz']:g} MHz",
                     f"{p['accuracy']:.3f} {p['accuracy_source']}", f"{p['carbon_kg']:.4f}",
                     f"{1000 * p['latency_s']:.2f}", f"{1000 * p['energy_j']:.3f}",
                     f"{p['area_mm2']:.2f}"])
    print(format_table(["design", "array", "node", "clock", "accuracy (proxy)", "kgCO2e",
                        "latency ms", "energy mJ", "area mm2"], rows))


@command("flow", "search -> chosen design -> Verilog -> synthesis -> cocotb -> report")
def _run_flow(args) -> int:
    from carbonflow.flows.flow import run_flow

    cfg = _load(args)
    code, report = run_flow(cfg, resume=args.resume, progress=not args.quiet)
    summary = json.loads((report / "summary.json").read_text())
    _print_designs(summary["comparison"])
    print(summary["differ"])
    print(f"synthesis: {summary['synthesis']['text']}")
    print(f"verification: {summary['verification']['text']}")
    print(f"report: {report}/summary.html ({summary['evaluations']} evaluations, "
          f"{summary['seconds']:.0f} s)")
    return code


@command("search", "joint model + hardware search only (archive, front CSV)")
def _run_search(args) -> int:
    from carbonflow.flows.flow import choose_designs
    from carbonflow.flows.report import write_points_csv
    from carbonflow.search.run import run_search

    cfg = _load(args)
    res = run_search(cfg.search, cfg.out_dir, resume=args.resume, progress=not args.quiet)
    from pathlib import Path

    write_points_csv(res.points, Path(cfg.out_dir) / "evaluations.csv")
    write_points_csv(res.front, Path(cfg.out_dir) / "front.csv")
    _print_designs(choose_designs(res.points, cfg.search))
    print(f"{len(res.points)} evaluations ({res.new_evaluations} new), front of "
          f"{len(res.front)}: {cfg.out_dir}/front.csv")
    return 0


register_args("flow", _args_flow)
register_args("search", _args_flow)
