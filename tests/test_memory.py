import subprocess
import sys
import time

import numpy as np

from analysis.memory import PeakMemory

MB = 1 << 20


def test_peak_sees_an_allocation_and_phases_restart():
    with PeakMemory(interval=0.01, children=False) as mem:
        base = mem.sample()
        block = np.ones(200 * MB // 8)  # 200 MB, touched
        mem.sample()
        assert mem.peak >= base + 150 * MB
        del block
        mem.new_phase()
        assert mem.phase_peak < mem.peak - 100 * MB
    assert mem.children_peak == 0


def test_children_are_counted():
    code = "import numpy as np, time; a = np.ones(100 * 2**20 // 8); time.sleep(3)"
    with PeakMemory(interval=0.05, children=True) as mem:
        child = subprocess.Popen([sys.executable, "-c", code])
        try:
            deadline = time.monotonic() + 20
            while mem.children_peak < 80 * MB and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            child.wait(timeout=30)
    assert mem.children_peak >= 80 * MB
    assert mem.peak >= mem.children_peak
