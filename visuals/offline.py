"""Every script and stylesheet a map needs, inlined from installed packages.

Maps are opened from email attachments and shared drives, often on school networks that block CDNs,
so a written map must never fetch anything (issue 7: "no external URL at all"). pyvis' own template
loads vis-network, bootstrap and tom-select from CDNs in its default mode and still links some in its
"local" / "in_line" modes, so maps use our own template (:mod:`visuals.render`) and take the
vis-network build that pyvis ships in ``pyvis/templates/lib`` (found with importlib.resources, so no
copy of it lives in this repository and it upgrades with pyvis).

The library text keeps its licence header (Apache-2.0 / MIT require it). That header, core-js'
licence metadata, one error message and the SVG namespace identifier are the only ``http`` strings in
a map: none is a reference the browser fetches. :data:`LIBRARY_HTTP_STRINGS` lists them so the tests
can prove nothing else slipped in.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

VIS_VERSION = "9.1.2"
LIBRARY_ATTR = 'data-inlined="vis-network"'
"""Marks the inlined library blocks, so a test can check everything outside them for ``http``."""

LIBRARY_HTTP_STRINGS = frozenset(
    {
        "https://visjs.github.io/vis-network/",
        "http://almende.com",
        "https://github.com/visjs",
        "http://www.apache.org/licenses/LICENSE-2.0",
        "http://opensource.org/licenses/MIT",
        "https://github.com/zloirock/core-js/blob/v3.21.1/LICENSE",
        "https://github.com/zloirock/core-js",
        "https://github.com/uuidjs/uuid#getrandomvalues-not-supported",
        "http://www.w3.org/2000/svg",
    }
)
"""The http strings inside vis-network 9.1.2: licence comments, core-js metadata, an error message
and the SVG XML namespace name (an identifier passed to createElementNS, never fetched)."""


def _lib_file(relative: str) -> str:
    root = resources.files("pyvis").joinpath("templates", "lib")
    return root.joinpath(*relative.split("/")).read_text(encoding="utf-8")


def script_safe(text: str) -> str:
    """Text that can sit inside ``<script>`` / ``<style>`` without ending it early (HTML spec 4.12.1.3)."""
    return re.sub(r"</(?=(script|style))", r"<\\/", text, flags=re.IGNORECASE)


@cache
def vis_network_js() -> str:
    return script_safe(_lib_file(f"vis-{VIS_VERSION}/vis-network.min.js"))


@cache
def vis_network_css() -> str:
    return script_safe(_lib_file(f"vis-{VIS_VERSION}/vis-network.css"))


def inlined_assets() -> str:
    """The ``<style>`` and ``<script>`` blocks of vis-network, marked with :data:`LIBRARY_ATTR`."""
    return (
        f"<style {LIBRARY_ATTR}>{vis_network_css()}</style>\n"
        f"<script {LIBRARY_ATTR}>{vis_network_js()}</script>\n"
    )
