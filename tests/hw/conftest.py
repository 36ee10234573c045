import sys
from pathlib import Path

# rtl_runner and gemm_tb are imported by name (cocotb loads gemm_tb as a top-level module too).
sys.path.insert(0, str(Path(__file__).resolve().parent))
