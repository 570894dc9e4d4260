import json
import os
import subprocess

import pytest

from conftest import TOOLS
from test_bundle import GRAPH_IO, ortcheck  # noqa: F401  (the fixture)

DEFAULT = os.path.join(os.path.dirname(TOOLS), 'models', 'default')
pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(DEFAULT, 'manifest.json')),
                                reason='models/default has no bundle yet')


def test_default_bundle_stays_under_8_mb():
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(DEFAULT) for f in fs)
    assert total < 8 * 1024 * 1024


def test_default_bundle_holds_out_crack_and_names_every_graph():
    m = json.load(open(os.path.join(DEFAULT, 'manifest.json')))
    names = m['conditioning']['vocabulary']['names']
    assert 'defect:crack' not in names and 'defect:scratch' in names
    assert set(m['components']) == set(GRAPH_IO)


def test_default_bundle_runs_in_onnx_runtime_like_torch(ortcheck):  # noqa: F811
    r = subprocess.run(['dotnet', ortcheck, os.path.join(DEFAULT, 'parity')],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    results = [json.loads(line) for line in r.stdout.splitlines()]
    assert {res['case'].rsplit('_b', 1)[0] for res in results} == set(GRAPH_IO)
    for res in results:
        assert res['rel'] <= 1e-4, res
