"""Carbon subcommands: ``carbon`` (a design's total), ``train-carbon``, ``schedule``."""

from __future__ import annotations

import argparse

from carbonflow.flows.cli import _emit_json, command, register_args
from carbonflow.flows.tables import format_table, si


def _args_train(p: argparse.ArgumentParser) -> None:
    from carbonflow.carbon.training import DEVICES

    p.add_argument("--params", type=float, metavar="N", help="parameters (e.g. 175e9)")
    p.add_argument("--tokens", type=float, metavar="D", help="training tokens (e.g. 300e9)")
    p.add_argument("--active-fraction", type=float, default=1.0, metavar="F",
                   help="share of parameters active per token (MoE), default 1")
    p.add_argument("--days", type=float, metavar="DAYS",
                   help="measured run length instead of --params/--tokens")
    p.add_argument("--device", required=True, choices=sorted(DEVICES))
    p.add_argument("--count", type=int, required=True, metavar="N", help="number of devices")
    p.add_argument("--power-w", type=float, metavar="W",
                   help="average system power per device (default: the device's)")
    p.add_argument("--pue", type=float, default=1.1, help="data-centre PUE (default 1.1)")
    p.add_argument("--grid", default="world", metavar="G",
                   help="g CO2e/kWh, region (california, bc, taiwan, world), bundled series "
                        "(CISO, PJM, BPAT) or CSV (default: world, 475)")
    p.add_argument("--pipeline-stages", type=int, default=1, metavar="P")
    p.add_argument("--micro-batches", type=int, default=1, metavar="M")
    p.add_argument("--alltoall-fraction", type=float, default=0.0, metavar="F",
                   help="time share of expert-parallel all-to-all (default 0)")
    p.add_argument("--no-embodied", action="store_true", help="operational carbon only")
    p.add_argument("--out", metavar="JSON")


@command("train-carbon", "energy (MWh) and tCO2e of training a large model")
def _run_train(args) -> int:
    from carbonflow.carbon.grid import resolve_intensity
    from carbonflow.carbon.training import estimate_from_flops, estimate_from_run
    from carbonflow.flows.errors import ConfigError

    ci, desc = resolve_intensity(args.grid)
    if args.days is not None:
        est = estimate_from_run(device=args.device, devices=args.count, days=args.days,
                                pue=args.pue, ci_g_per_kwh=ci, avg_system_w=args.power_w,
                                include_embodied=not args.no_embodied)
    elif args.params is not None and args.tokens is not None:
        if args.power_w is not None:
            raise ConfigError("--power-w goes with --days (a measured run)")
        est = estimate_from_flops(params=args.params, tokens=args.tokens, device=args.device,
                                  devices=args.count, pue=args.pue, ci_g_per_kwh=ci,
                                  active_fraction=args.active_fraction,
                                  pipeline_stages=args.pipeline_stages,
                                  micro_batches=args.micro_batches,
                                  alltoall_fraction=args.alltoall_fraction,
                                  include_embodied=not args.no_embodied)
    else:
        raise ConfigError("give either --params and --tokens, or --days")
    rows = [["training time", f"{est.days:.2f} days"],
            ["energy", f"{est.energy_mwh:,.1f} MWh"],
            ["grid", desc],
            ["operational", f"{est.operational_t:,.1f} tCO2e"],
            ["embodied (accelerators)", f"{est.embodied_accelerators_t:,.2f} tCO2e"],
            ["embodied (servers)", f"{est.embodied_servers_t:,.2f} tCO2e"],
            ["total", f"{est.total_t:,.1f} tCO2e"]]
    if est.flops:
        rows.insert(0, ["compute", f"{est.flops:.3g} FLOPs"])
    print(format_table(["quantity", "value"], rows))
    for n in est.notes:
        print(f"  note: {n}")
    if args.out:
        _emit_json(est.to_dict(), args.out)
    return 0


def _args_schedule(p: argparse.ArgumentParser) -> None:
    p.add_argument("--series", required=True, metavar="CSV|REGION",
                   help="hourly CSV (timestamp, avg_CI) or bundled CISO, PJM, BPAT")
    p.add_argument("--column", default="avg_CI", help="intensity column (default avg_CI)")
    p.add_argument("--hours", type=int, required=True, help="job length in hours")
    p.add_argument("--window", type=int, default=24,
                   help="largest Flexible Start delay in hours (default 24); delays of "
                        "+6/12/18/24 up to it are reported")
    p.add_argument("--out", metavar="JSON")


@command("schedule", "emissions saved by Flexible Start and Pause-and-Resume (Dodge et al. 2022)")
def _run_schedule(args) -> int:
    from pathlib import Path

    from carbonflow.carbon.grid import BUNDLED_SERIES, bundled_series, load_series
    from carbonflow.carbon.schedule import flexible_start, pause_resume
    from carbonflow.flows.errors import check_int

    check_int("window", args.window, 0)
    if args.series.upper() in BUNDLED_SERIES and not Path(args.series).exists():
        series = bundled_series(args.series.upper())
    else:
        series = load_series(args.series, column=args.column)
    windows = sorted({w for w in (6, 12, 18, 24) if w <= args.window} | {args.window})
    res = [flexible_start(series.values, args.hours, w) for w in windows]
    res += [pause_resume(series.values, args.hours, x) for x in (0.25, 0.5, 0.75, 1.0)]
    print(f"{series.name}: {len(series)} h from {series.start:%Y-%m-%d %H:%M}, mean "
          f"{series.mean:.1f} g/kWh ({series.filled} missing hours interpolated); job {args.hours} h")
    rows = [["Flexible Start" if r.policy == "flexible_start" else "Pause and Resume",
             f"+{r.parameter:g} h" if r.policy == "flexible_start" else f"+{r.parameter:.0%}",
             f"{100 * r.saving:.2f}%", r.starts] for r in res]
    print(format_table(["policy", "slack", "mean emissions saved", "start hours"], rows))
    if args.out:
        _emit_json([r.__dict__ for r in res], args.out)
    return 0


def _args_carbon(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, metavar="NAME|JSON")
    p.add_argument("--design", required=True, metavar="JSON")
    p.add_argument("--grid", default="california", metavar="G",
                   help="g/kWh, region, bundled series or CSV (default: california, 224)")
    p.add_argument("--lifetime-years", type=float, default=3.0)
    p.add_argument("--inferences-per-s", type=float, default=1.0)
    p.add_argument("--duty-cycle", type=float, default=1.0)
    p.add_argument("--embodied-share", type=float, default=1.0)
    p.add_argument("--dram-gb", type=float, default=0.0, help="off-chip DRAM charged (GB)")
    p.add_argument("--area-mm2", type=float, metavar="A",
                   help="die area at the design's node, e.g. from `carbonflow synth` "
                        "(default: the calibrated area model)")
    p.add_argument("--out", metavar="JSON")


@command("carbon", "total carbon (embodied + operational) of a model on a design")
def _run_carbon(args) -> int:
    from carbonflow.carbon.embodied import embodied_carbon
    from carbonflow.carbon.grid import resolve_intensity
    from carbonflow.carbon.operational import Usage, total_carbon
    from carbonflow.hw.config import load_design
    from carbonflow.model.config import load_model_config
    from carbonflow.sim.perf import simulate

    model, hw = load_model_config(args.model), load_design(args.design)
    usage = Usage(lifetime_years=args.lifetime_years, inferences_per_s=args.inferences_per_s,
                  duty_cycle=args.duty_cycle, embodied_share=args.embodied_share)
    ci, desc = resolve_intensity(args.grid)
    perf = simulate(model, hw, die_area=args.area_mm2)
    emb = embodied_carbon(perf.die_area_mm2, hw.node_nm, dram_gb=args.dram_gb)
    rep = total_carbon(emb.total_kg, perf.energy_j, usage, ci)
    print(format_table(["quantity", "value"], [
        ["die area", f"{perf.die_area_mm2:.3f} mm2 at {hw.node_nm} nm"],
        ["latency / inference", si(perf.latency_s, "s")],
        ["energy / inference", si(perf.energy_j, "J")],
        ["inferences over life", f"{rep.inferences:.3g}"],
        ["grid", desc],
        ["embodied (die, pkg, DRAM)", f"{emb.total_kg:.4f} kg"],
        ["embodied charged", f"{rep.embodied_charged_kg:.4f} kg"],
        ["operational", f"{rep.operational_kg:.4f} kg"],
        ["total", f"{rep.total_kg:.4f} kgCO2e"]]))
    if args.out:
        _emit_json({"embodied": emb.to_dict(), "carbon": rep.to_dict(),
                    "perf": perf.to_dict()}, args.out)
    return 0


register_args("train-carbon", _args_train)
register_args("schedule", _args_schedule)
register_args("carbon", _args_carbon)
