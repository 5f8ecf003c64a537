"""The sendgraph application: the ``sendgraph`` command, the demo and output formatting.

The top layer. It parses options, calls one function of the library (``queries``, ``visuals``,
``loaders``, ``graphmodel``) and renders the result; nothing below imports it.
"""

from graphmodel import __version__

__all__ = ["__version__"]
