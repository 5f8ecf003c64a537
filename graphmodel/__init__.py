"""sendgraph's graph model: the schema, the store interface, the embedded workspace and the CLI."""

__version__ = "0.1.0"
