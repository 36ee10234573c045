"""The end-to-end flow: search -> choose -> Verilog -> synthesis -> cocotb verification -> report.

The report folder is built in a temporary folder next to its destination and moved into place
only when complete, so a failed or interrupted flow leaves no half-written report. The search
archive (``archive.sqlite``) is kept on purpose: ``--resume`` continues from it.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from carbonflow.flows.config import FlowConfig
from carbonflow.flows.errors import CarbonflowError
from carbonflow.flows.report import plot_fronts, write_html, write_points_csv
from carbonflow.hw.config import AcceleratorConfig
from carbonflow.search.run import run_search

__all__ = ["run_flow", "choose_designs", "scaled_for_simulation", "scaled_for_synthesis"]


def choose_designs(points: list[dict[str, Any]], s) -> dict[str, dict[str, Any]]:
    """Carbon-, latency- and energy-optimal feasible designs (real accuracy preferred)."""
    from carbonflow.search.run import violations

    feas = [p for p in points if max(violations(p, s)) <= 0]
    real = [p for p in feas if p["accuracy_source"] == "real"]
    pool = real or feas
    if not pool:
        raise CarbonflowError("no evaluated design meets the constraints (latency <= "
                              f"{s.latency_max_s} s, area <= {s.area_max_mm2} mm2, accuracy >= "
                              f"{s.accuracy_min}); relax [constraints] or widen [hardware]")
    return {name: min(pool, key=lambda p: p[key]) for name, key in
            (("carbon", "carbon_kg"), ("latency", "latency_s"), ("energy", "energy_j"))}


def scaled_for_simulation(hw: AcceleratorConfig, max_array: int) -> AcceleratorConfig:
    """The design with rows/cols capped at ``max_array`` and small buffers, for RTL simulation."""
    return replace(hw, rows=min(hw.rows, max_array), cols=min(hw.cols, max_array),
                   ifmap_kb=4, filter_kb=4, ofmap_kb=8)


def scaled_for_synthesis(hw: AcceleratorConfig, max_pes: int) -> AcceleratorConfig:
    """The design itself if it has at most ``max_pes`` PEs, else the same shape scaled down."""
    if hw.rows * hw.cols <= max_pes:
        return hw
    f = math.sqrt(max_pes / (hw.rows * hw.cols))
    return replace(hw, rows=max(1, int(hw.rows * f)), cols=max(1, int(hw.cols * f)))


def _differ_text(chosen: dict[str, dict]) -> str:
    hw = {k: json.dumps(v["hw"], sort_keys=True) + json.dumps(v["x"], sort_keys=True)
          for k, v in chosen.items()}
    if len(set(hw.values())) == 1:
        return "The carbon-, latency- and energy-optimal designs coincide for this configuration."
    c, lat = chosen["carbon"], chosen["latency"]
    return (f"The optimal designs differ (as CATransformers found): the carbon-optimal design "
            f"emits {c['carbon_kg']:.4f} kg over its life against {lat['carbon_kg']:.4f} kg for "
            f"the latency-optimal one, which is {c['latency_s'] / lat['latency_s']:.2f}x faster.")


def run_flow(cfg: FlowConfig, *, resume: bool = False, progress: bool = True) -> tuple[int, Path]:
    """Run the whole flow; returns (exit code, report folder)."""
    from tqdm import tqdm

    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    res = run_search(cfg.search, out, resume=resume, progress=progress)
    chosen = choose_designs(res.points, cfg.search)
    best = chosen["carbon"]
    hw = AcceleratorConfig.from_dict(best["hw"])
    notes = ["accuracy: synthetic proxy (tiny CLIP trained on generated shapes, zero-shot on "
             "held-out colour-shape combinations); the same pruning fractions are applied to "
             f"the {cfg.search.workload} workload for latency, energy and carbon",
             "latency/energy: analytical model of SCALE-Sim v3 (cycle-exact against it under "
             "CALC bandwidth); energy constants: Horowitz ISSCC 2014, C V^2 node scaling",
             "area: calibrated model of yosys synthesis (OSU 0.18 um cells, pitch-scaled) + SRAM "
             "bitcell model; embodied carbon: ACT (Gupta et al. ISCA 2022)"]
    stage = tqdm(total=3, desc="RTL of the chosen design", disable=not progress)
    tmp = Path(tempfile.mkdtemp(prefix=".report-", dir=out))
    try:
        from carbonflow.hw.verilog import write_verilog

        rtl = write_verilog(hw, tmp / "rtl")
        stage.update(1)
        synth: dict[str, Any] = {"run": False, "text": "skipped ([verify] synthesis = false)"}
        if cfg.synthesis:
            from carbonflow.hw.area_model import logic_area_um2_180
            from carbonflow.hw.synth import synthesize

            shw = scaled_for_synthesis(hw, cfg.max_synth_pes)
            rep = synthesize(shw, keep_dir=tmp / "synth")
            model_area = logic_area_um2_180(shw)
            node = str(hw.node_nm)
            synth = {"run": True, "design": shw.to_dict(), "scaled": shw != hw,
                     "report": rep.to_dict(), "area_model_um2": model_area,
                     "model_error": model_area / rep.logic_area_um2 - 1}
            scaled_note = f"(scaled down from {hw.rows}x{hw.cols}) " if shw != hw else ""
            synth["text"] = (
                f"{shw.rows}x{shw.cols} {scaled_note}"
                f"logic {rep.logic_area_um2:,.0f} um2 at 180 nm, {rep.cell_count} cells, "
                f"~{rep.fmax_mhz_est:.0f} MHz at 180 nm; {rep.scaled[node]['total_mm2']:.4f} mm2 "
                f"at {node} nm with SRAM; the search's area model was off by "
                f"{100 * synth['model_error']:+.1f}%")
        (tmp / "synth.json").write_text(json.dumps(synth, indent=2, default=str))
        stage.update(1)
        ver: dict[str, Any] = {"passed": True, "text": "skipped ([verify] cocotb = false)"}
        if cfg.cocotb:
            from carbonflow.hw.verify import have_icarus, run_gemm_cases

            vhw = scaled_for_simulation(hw, cfg.max_sim_array)
            if not have_icarus():
                ver = {"passed": False, "text": "Icarus Verilog not found: install iverilog"}
            else:
                r, c = vhw.rows, vhw.cols
                cases = [{"m": 2 * r + 1, "n": 2 * c + 1, "k": 3 * r + 2},
                         {"m": 17, "n": 16, "k": 16}, {"m": 5, "n": 3, "k": 7},
                         {"m": r + 1, "n": c + 1, "k": 9, "kind": "min"},
                         {"m": r + 1, "n": c + 1, "k": 9, "kind": "max"}]
                tests, failed = run_gemm_cases(vhw, cases, tmp / "verify")
                shutil.rmtree(tmp / "verify" / "sim_build", ignore_errors=True)
                scaled = (vhw.rows, vhw.cols) != (hw.rows, hw.cols)
                ver = {"passed": tests == 1 and failed == 0, "design": vhw.to_dict(),
                       "cases": cases, "scaled": scaled,
                       "text": (f"{'PASS' if tests == 1 and not failed else 'FAIL'}: cocotb + "
                                f"Icarus, {len(cases)} tiled GEMMs against NumPy on "
                                f"{vhw.rows}x{vhw.cols} {vhw.dataflow.upper()}"
                                + (f" (scaled down from {hw.rows}x{hw.cols}: simulating the full "
                                   "array is too slow here)" if scaled else ""))}
        (tmp / "verify.json").write_text(json.dumps(ver, indent=2))
        stage.update(1)
        stage.close()
        write_points_csv(res.points, tmp / "evaluations.csv")
        write_points_csv(res.front, tmp / "front.csv")
        plot_fronts(res.points, res.front, chosen, tmp / "pareto.png",
                    constraints={"latency_max_s": cfg.search.latency_max_s,
                                 "accuracy_min": cfg.search.accuracy_min})
        (tmp / "chosen_design.json").write_text(json.dumps(best, indent=2))
        (tmp / "comparison.json").write_text(json.dumps(chosen, indent=2))
        s = cfg.search
        summary = {
            "name": cfg.name, "config": cfg.source, "seconds": time.time() - t0,
            "search": f"{s.algorithm} ({s.mode} mode), seed {s.seed}, population {s.pop_size} x "
                      f"{s.generations} generations",
            "grid": res.grid_desc, "evaluations": len(res.points),
            "new_evaluations": res.new_evaluations, "reused_evaluations": res.reused_evaluations,
            "front_size": len(res.front), "chosen": best, "comparison": chosen,
            "differ": _differ_text(chosen), "rtl": {**rtl, "verilog": "rtl/carbonflow_accel.v"},
            "synthesis": synth, "verification": ver, "notes": notes,
            "settings": json.loads(json.dumps(asdict(s), default=str)),
        }
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
        write_html(summary, tmp / "summary.html")
        final = out / "report"
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return (0 if ver["passed"] else 1), final
