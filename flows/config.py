"""Flow configuration files (TOML): strict parsing into SearchSettings and flow options.

Unknown sections or keys, wrong types and out-of-range values are errors that name the key
(``constraints.latency_max_s``), the allowed range and the bad value.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carbonflow.carbon.operational import Usage
from carbonflow.flows.errors import ConfigError, check_int, check_known_keys
from carbonflow.search.run import SearchSettings
from carbonflow.search.space import HardwareSpace

__all__ = ["FlowConfig", "load_flow_config", "SCHEMA"]

#: section -> key -> expected Python type(s)
SCHEMA: dict[str, dict[str, tuple[type, ...]]] = {
    "flow": {"name": (str,), "out_dir": (str,)},
    "search": {"algorithm": (str,), "mode": (str,), "seed": (int,), "pop_size": (int,),
               "generations": (int,), "workers": (int,), "executor": (str,)},
    "model": {"workload": (str,), "proxy_seeds": (list,), "accuracy_samples": (int,),
              "verify_front": (int,), "base_steps": (int,), "finetune_steps": (int,)},
    "hardware": {"rows": (list,), "cols": (list,), "dataflow": (list,), "buffer_kb": (list,),
                 "node_nm": (list,), "freq_mhz": (list,)},
    "constraints": {"latency_max_s": (int, float), "area_max_mm2": (int, float),
                    "accuracy_min": (int, float)},
    "carbon": {"grid": (str, int, float), "lifetime_years": (int, float),
               "inferences_per_s": (int, float), "duty_cycle": (int, float),
               "embodied_share": (int, float)},
    "verify": {"max_sim_array": (int,), "max_synth_pes": (int,), "cocotb": (bool,),
               "synthesis": (bool,)},
}


@dataclass(frozen=True)
class FlowConfig:
    name: str
    out_dir: str
    search: SearchSettings
    max_sim_array: int = 8
    max_synth_pes: int = 256
    cocotb: bool = True
    synthesis: bool = True
    source: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


def _typed(section: str, key: str, value: Any) -> Any:
    want = SCHEMA[section][key]
    if isinstance(value, bool) and bool not in want:
        ok = False
    else:
        ok = isinstance(value, want)
    if not ok:
        names = " or ".join(t.__name__ for t in want)
        raise ConfigError(f"{section}.{key} must be {names}, got {value!r}")
    return value


def load_flow_config(path: str | Path) -> FlowConfig:
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text())
    except FileNotFoundError:
        raise ConfigError(f"flow config {str(p)!r} does not exist") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"flow config {str(p)!r} is not valid TOML: {e}") from None
    check_known_keys("section(s)", raw, SCHEMA)
    vals: dict[str, dict[str, Any]] = {}
    for section, body in raw.items():
        if not isinstance(body, dict):
            raise ConfigError(f"[{section}] must be a table, got {body!r}")
        check_known_keys(f"key(s) in [{section}]:", body, SCHEMA[section])
        vals[section] = {k: _typed(section, k, v) for k, v in body.items()}
    s, m, h, c, k = (vals.get(x, {}) for x in ("search", "model", "hardware", "constraints",
                                               "carbon"))
    hw_kwargs = {}
    for key, v in h.items():
        if not v:
            raise ConfigError(f"hardware.{key} needs at least one choice")
        hw_kwargs[key] = tuple(float(x) if key == "freq_mhz" else x for x in v)
    usage = Usage(**{key: float(v) for key, v in k.items() if key != "grid"})
    model = dict(m)
    if "proxy_seeds" in model:
        model["proxy_seeds"] = tuple(check_int("model.proxy_seeds[]", x, 0)
                                     for x in model["proxy_seeds"])
    settings = SearchSettings(
        **s, **model, hardware=HardwareSpace(**hw_kwargs), usage=usage,
        **{key: float(v) for key, v in c.items()},
        **({"grid": str(k["grid"])} if "grid" in k else {}))
    f, v = vals.get("flow", {}), vals.get("verify", {})
    name = f.get("name", p.stem)
    return FlowConfig(name=name, out_dir=f.get("out_dir", f"runs/{name}"), search=settings,
                      max_sim_array=check_int("verify.max_sim_array", v.get("max_sim_array", 8),
                                              1, 16),
                      max_synth_pes=check_int("verify.max_synth_pes", v.get("max_synth_pes", 256),
                                              1, 4096),
                      cocotb=v.get("cocotb", True), synthesis=v.get("synthesis", True),
                      source=str(p), raw=raw)
