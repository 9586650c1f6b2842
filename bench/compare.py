"""Python side of bench/compare.sh: pangea-sdk's session.list, µs per call
and CPU µs per call (the process's, every thread)."""
import sys
import time

from pangea.config import PangeaConfig
from pangea.services import AuthN

base, calls = sys.argv[1], int(sys.argv[2])
authn = AuthN("pts_benchmarktoken00000000000000000", config=PangeaConfig(base_url_template=base))
for _ in range(100):
    authn.session.list()
started, cpu = time.perf_counter(), time.process_time()
for _ in range(calls):
    response = authn.session.list()
    assert len(response.result.sessions) == 20
wall, cpu = time.perf_counter() - started, time.process_time() - cpu
print(f"{wall * 1e6 / calls:.1f} {cpu * 1e6 / calls:.1f}")
