"""Python side of bench/compare.sh: pangea-sdk's session.list, µs per call."""
import sys
import time

from pangea.config import PangeaConfig
from pangea.services import AuthN

base, calls = sys.argv[1], int(sys.argv[2])
authn = AuthN("pts_benchmarktoken00000000000000000", config=PangeaConfig(base_url_template=base))
for _ in range(100):
    authn.session.list()
started = time.perf_counter()
for _ in range(calls):
    response = authn.session.list()
    assert len(response.result.sessions) == 20
print(f"{(time.perf_counter() - started) * 1e6 / calls:.1f}")
