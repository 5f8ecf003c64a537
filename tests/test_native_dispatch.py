"""A server store finds every native implementation, while loading only the natives it needs.

The registry imports, per analysis, only the native modules that import from the analysis's module
(``queries.native.modules_for``): a new process running one audit on a server must not pay for
the network natives. If a native module registered an analysis of a module it does not import from
(say, through a re-export), the text scan would miss it and the server would silently run the
embedded version, pulling whole tables. These tests catch that.
"""

from __future__ import annotations

import subprocess
import sys

import queries.native
from queries.registry import analyses


def test_every_native_is_found_from_the_module_of_its_analysis():
    found = 0
    for name, impls in analyses().items():
        embedded = impls["embedded"]
        for backend, impl in impls.items():
            if backend == "embedded":
                continue
            native_module = impl.__module__.rsplit(".", 1)[-1]
            assert native_module in queries.native.modules_for(embedded.__module__), (name, backend)
            found += 1
    assert found >= 40  # two server backends x the ~20 analyses with a native version


def test_a_server_audit_does_not_import_the_network_natives():
    """Run in a new interpreter: what a ``sendgraph audit senco`` process on a server imports."""
    script = (
        "import sys\n"
        "from queries.audits.senco import senco_audit\n"
        "from queries.registry import load_native\n"
        "load_native(senco_audit.embedded.__module__)\n"
        "assert 'falkordb' in senco_audit.implementations, senco_audit.implementations\n"
        "heavy = ('scipy', 'igraph', 'queries.native.networks')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
