"""``python -m sendgraph.cli`` runs the ``sendgraph`` command."""

from sendgraph.cli import main

main()
