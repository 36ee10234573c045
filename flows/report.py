"""Flow outputs: CSV of every evaluation, Pareto plots (PNG), JSON, and an HTML summary."""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path
from typing import Any

__all__ = ["write_points_csv", "plot_fronts", "write_html", "DESIGN_COLUMNS"]

DESIGN_COLUMNS = ("carbon_kg", "embodied_kg", "operational_kg", "accuracy", "accuracy_source",
                  "latency_s", "energy_j", "area_mm2", "params")


def write_points_csv(points: list[dict[str, Any]], path: Path) -> None:
    xkeys = sorted({k for p in points for k in p["x"]})
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([*DESIGN_COLUMNS, *xkeys])
        for p in points:
            w.writerow([p[c] for c in DESIGN_COLUMNS] + [p["x"].get(k) for k in xkeys])


def plot_fronts(points, front, chosen: dict[str, dict], path: Path, *, constraints=None) -> None:
    """Accuracy vs total carbon, latency and energy; the front and the chosen designs marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    # drawn in this order, largest first, so coinciding optima stay visible
    marks = {"energy": ("s", "tab:orange", 260), "latency": ("D", "tab:blue", 170),
             "carbon": ("*", "tab:green", 150)}
    real = [p for p in points if p["accuracy_source"] == "real"]
    surr = [p for p in points if p["accuracy_source"] != "real"]
    for ax, key, label in zip(axes, ("carbon_kg", "latency_s", "energy_j"),
                              ("total carbon over lifetime (kg CO2e)", "latency per inference (s)",
                               "energy per inference (J)")):
        ax.scatter([p[key] for p in surr], [p["accuracy"] for p in surr], s=8, c="0.75",
                   label="evaluated (surrogate accuracy)")
        ax.scatter([p[key] for p in real], [p["accuracy"] for p in real], s=16, c="0.3",
                   label="evaluated (trained accuracy)")
        fr = sorted(front, key=lambda p: p[key])
        ax.plot([p[key] for p in fr], [p["accuracy"] for p in fr], "o-", ms=4, c="tab:red",
                label="Pareto front (carbon mode)" if key == "carbon_kg" else "front points")
        for name, (m, col, size) in marks.items():
            p = chosen[name]
            ax.scatter([p[key]], [p["accuracy"]], marker=m, s=size, c=col, edgecolors="k",
                       label=f"{name}-optimal", zorder=5)
        ax.set_xscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel("zero-shot accuracy (synthetic proxy)")
        ax.grid(alpha=0.3)
    if constraints:
        axes[1].axvline(constraints["latency_max_s"], ls="--", c="k", lw=0.8)
        for ax in axes:
            ax.axhline(constraints["accuracy_min"], ls=":", c="k", lw=0.8)
    axes[0].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _table(rows: list[list[Any]], head: list[str]) -> str:
    th = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table><tr>{th}</tr>{body}</table>"


def write_html(summary: dict[str, Any], path: Path) -> None:
    s = summary
    comp = s["comparison"]
    rows = []
    for name, p in comp.items():
        hw = p["hw"]
        rows.append([f"{name}-optimal", f"{hw['rows']}x{hw['cols']} {hw['dataflow'].upper()}",
                     f"{hw['node_nm']} nm", f"{hw['freq_mhz']:g} MHz",
                     f"{hw['ifmap_kb']}/{hw['filter_kb']}/{hw['ofmap_kb']} KiB",
                     f"{p['accuracy']:.3f} ({p['accuracy_source']})", f"{p['carbon_kg']:.4f}",
                     f"{p['embodied_kg']:.4f}", f"{p['operational_kg']:.4f}",
                     f"{1000 * p['latency_s']:.2f}", f"{1000 * p['energy_j']:.3f}",
                     f"{p['area_mm2']:.3f}"])
    head = ["design", "array", "node", "clock", "buffers A/B/C", "accuracy", "total kgCO2e",
            "embodied kg", "operational kg", "latency ms", "energy mJ", "area mm2"]
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in s["notes"])
    doc = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>carbonflow: {html.escape(s['name'])}</title>
<style>body{{font-family:sans-serif;max-width:1200px;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}th{{background:#eee}}
.ok{{color:green}}.bad{{color:#b00}}</style></head><body>
<h1>carbonflow flow "{html.escape(s['name'])}"</h1>
<p>Search: {html.escape(s['search'])}. Grid: {html.escape(s['grid'])}.
Evaluations: {s['evaluations']} ({s['new_evaluations']} new, {s['reused_evaluations']} reused from the
archive). Accuracy is a <b>synthetic proxy</b> (tiny CLIP on generated shapes), not a real-dataset
accuracy.</p>
<h2>Carbon-, latency- and energy-optimal designs</h2>{_table(rows, head)}
<p>{html.escape(s['differ'])}</p>
<img src="pareto.png" style="width:100%">
<h2>Chosen design (carbon-optimal)</h2>
<pre>{html.escape(json.dumps(s['chosen']['hw'], indent=1))}</pre>
<h2>RTL</h2>
<p>Verilog: <code>{html.escape(s['rtl']['verilog'])}</code> (sha256 {html.escape(s['rtl']['sha256'][:16])}).</p>
<p>Synthesis: {html.escape(s['synthesis']['text'])}</p>
<p class="{'ok' if s['verification']['passed'] else 'bad'}">Verification: {html.escape(s['verification']['text'])}</p>
<h2>Notes</h2><ul>{notes}</ul>
<p>Files: evaluations.csv, front.csv, chosen_design.json, comparison.json, summary.json,
synth.json, verify.json, rtl/.</p></body></html>"""
    path.write_text(doc)
