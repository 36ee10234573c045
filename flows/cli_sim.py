"""``carbonflow simulate``: per-layer latency and energy of a CLIP inference on a design."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from carbonflow.flows.cli import _emit_json, command, register_args
from carbonflow.flows.tables import format_table, si


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, metavar="NAME|JSON",
                   help="base model (ViT-B-16, tiny-clip) or a ClipConfig JSON file")
    p.add_argument("--design", required=True, metavar="JSON", help="design JSON")
    p.add_argument("--engine", choices=("analytical", "scalesim"), default="analytical",
                   help="cycle model: analytical (fast, default) or scalesim (SCALE-Sim v3, "
                        "slow, cached per GEMM)")
    p.add_argument("--out", metavar="JSON", help="also write the full result as JSON")
    p.add_argument("--csv", metavar="CSV", help="also write the per-layer table as CSV")


@command("simulate", "latency and energy per layer of one CLIP inference on a design")
def _run(args) -> int:
    from carbonflow.hw.config import load_design
    from carbonflow.model.config import load_model_config
    from carbonflow.sim.perf import simulate

    model = load_model_config(args.model)
    hw = load_design(args.design)
    perf = simulate(model, hw, engine=args.engine)
    rows = [[r.name, f"{r.m}x{r.k}x{r.n}", r.repeat, f"{r.macs:,}", f"{r.cycles:,}",
             f"{100 * r.utilization:.1f}%", si(r.latency_s, "s"), si(r.energy_j, "J")]
            for r in perf.layers]
    print(f"model {model.name} on {hw.rows}x{hw.cols} {hw.dataflow.upper()} @ {hw.freq_mhz:g} MHz, "
          f"{hw.node_nm} nm ({args.engine} engine)")
    print(format_table(["layer", "MxKxN", "repeat", "MACs", "cycles", "util", "latency", "energy"],
                       rows))
    b = perf.breakdown_j()
    print(f"\ntotal: {perf.macs:,} MACs, {perf.cycles:,} cycles, latency {si(perf.latency_s, 's')}, "
          f"energy {si(perf.energy_j, 'J')} (MAC {si(b['mac'], 'J')}, SRAM {si(b['sram'], 'J')}, "
          f"DRAM {si(b['dram'], 'J')}, leakage {si(b['leak'], 'J')}), die {perf.die_area_mm2:.3f} mm2")
    if args.csv:
        Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
        with open(args.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["layer", "m", "n", "k", "repeat", "macs", "cycles", "latency_s",
                        "energy_mac_j", "energy_sram_j", "energy_dram_j", "energy_leak_j"])
            for r in perf.layers:
                w.writerow([r.name, r.m, r.n, r.k, r.repeat, r.macs, r.cycles, r.latency_s,
                            r.energy_mac_j, r.energy_sram_j, r.energy_dram_j, r.energy_leak_j])
    if args.out:
        _emit_json(perf.to_dict(), args.out)
    return 0


register_args("simulate", _args)
