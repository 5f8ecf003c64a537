"""``python -m graphmodel.cli`` runs the ``sendgraph`` command."""

from graphmodel.cli import main

main()
