"""Neo4j through the official driver (Bolt): ``bolt://``, ``neo4j://`` and their TLS forms.

Configured only by the standard variables ``NEO4J_URI``, ``NEO4J_USERNAME`` (default ``neo4j``),
``NEO4J_PASSWORD`` and ``NEO4J_DATABASE`` (default: the server's default database). The password is
never a command-line option (it would sit in shell history and ``ps`` output): it comes from the
environment, or from a hidden prompt when sendgraph runs in a terminal.

Every statement runs through ``driver.execute_query``: one managed transaction per statement (so one
per load batch), retried by the driver on transient errors, reads routed to readers in a cluster.
"""

from __future__ import annotations

import getpass
import os
import sys
from urllib.parse import parse_qsl, urlsplit

from graphmodel.errors import SendgraphError
from graphmodel.schema import Schema
from graphmodel.server.base import DEFAULT_BATCH_SIZE, ServerStore, batch_size_from_env
from graphmodel.server.convert import native_value
from graphmodel.server.dialect import NEO4J

SECRET_KEYS = {"password", "pass", "pwd", "passwd", "secret", "token", "auth", "credentials"}
SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def check_uri(uri: str) -> str:
    """Validate a Neo4j URI: a known scheme, a host, a numeric port, no credentials inside it.

    No message quotes the URI: one typed with a password in it must never be printed.
    """
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError as exc:
        why = "an unclosed '[' in an IPv6 host" if "IPv6" in str(exc) else "a malformed port"
        raise SendgraphError(f"NEO4J_URI is not a valid URI ({why}), e.g. neo4j://localhost:7687") from None
    if parts.scheme not in SCHEMES:
        raise SendgraphError(
            f"NEO4J_URI must start with one of {', '.join(s + '://' for s in SCHEMES)} "
            f"(got '{parts.scheme or uri[:20]}')"
        )
    if parts.username or parts.password or "@" in parts.netloc:
        raise SendgraphError(
            "NEO4J_URI must not contain a user or password; use NEO4J_USERNAME and NEO4J_PASSWORD"
        )
    if not parts.hostname:
        raise SendgraphError("NEO4J_URI has no host, e.g. neo4j://localhost:7687")
    if any(k.lower() in SECRET_KEYS for k, _v in parse_qsl(parts.query, keep_blank_values=True)):
        raise SendgraphError("NEO4J_URI must not contain a password; use NEO4J_PASSWORD")
    if parts.query and not parts.scheme.startswith("neo4j"):
        raise SendgraphError(
            "NEO4J_URI: only neo4j:// URIs take a query (a routing context); bolt:// takes none"
        )
    try:
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        raise SendgraphError("NEO4J_URI has a malformed port") from None
    if parts.path not in ("", "/"):
        raise SendgraphError("NEO4J_URI takes no path; choose the database with NEO4J_DATABASE")
    return uri


class Neo4jStore(ServerStore):
    """A GraphStore on one Neo4j database."""

    backend = "neo4j"
    dialect = NEO4J
    server_name = "Neo4j"
    timeout_setting = "Neo4j's db.transaction.timeout (neo4j.conf, or CALL dbms.setConfigValue)"

    def __init__(
        self,
        uri: str,
        username: str,
        password: str | None,
        database: str | None = None,
        *,
        schema: Schema | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        driver=None,
    ):
        """``password=None`` reads it with :func:`neo4j_password`, after the URI is checked, so a
        mistyped NEO4J_URI is reported before anyone is asked for a password."""
        super().__init__(schema, batch_size)
        self.uri = check_uri(uri)
        self.database = database or None
        if driver is None:
            from neo4j import GraphDatabase

            if password is None:
                password = neo4j_password()
            try:
                driver = GraphDatabase.driver(uri, auth=(username, password))
            except Exception as exc:  # the driver's message may quote the URI: name only the kind
                raise SendgraphError(
                    f"the Neo4j driver refused NEO4J_URI ({type(exc).__name__}); check its form"
                ) from None
        self._driver = driver

    def describe(self) -> str:
        parts = urlsplit(self.uri)
        where = f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}"
        return f"neo4j {where}" + (f" database {self.database}" if self.database else "")

    def _run(self, query: str, params: dict, routing: str) -> tuple[list[str], list[list]]:
        from neo4j.exceptions import AuthError, ClientError, ServiceUnavailable

        try:
            result = self._driver.execute_query(
                query, parameters_=params, database_=self.database, routing_=routing
            )
        except AuthError:
            raise SendgraphError(
                f"Neo4j at {self.describe()} refused the credentials (check NEO4J_USERNAME / NEO4J_PASSWORD)"
            ) from None
        except ServiceUnavailable as exc:
            raise SendgraphError(f"cannot reach {self.describe()}: {exc}") from None
        except ClientError as exc:
            if "TransactionTimedOut" in str(getattr(exc, "code", "")):
                raise self.timed_out(str(getattr(exc, "message", exc))) from None
            raise
        records, _summary, keys = result
        return list(keys), [[native_value(v) for v in record.values()] for record in records]

    def _read(self, query: str, params: dict) -> tuple[list[str], list[list]]:
        return self._run(query, params, "r")

    def _write(self, query: str, params: dict) -> tuple[list[str], list[list]]:
        return self._run(query, params, "w")

    def close(self) -> None:
        self._driver.close()


def neo4j_password(environ=os.environ, stdin=sys.stdin) -> str:
    """``NEO4J_PASSWORD``, or a hidden prompt in a terminal; never a command-line value."""
    password = environ.get("NEO4J_PASSWORD")
    if password:
        return password
    if stdin is not None and stdin.isatty():
        return getpass.getpass("Neo4j password: ")
    raise SendgraphError("set NEO4J_PASSWORD (the password is never taken from the command line)")


def open_neo4j(workspace: str | None = None) -> Neo4jStore:
    """The ``neo4j`` backend, configured from NEO4J_URI / NEO4J_USERNAME / NEO4J_PASSWORD / NEO4J_DATABASE."""
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        raise SendgraphError("set NEO4J_URI (e.g. neo4j://localhost:7687) to use the neo4j backend")
    return Neo4jStore(
        uri,
        os.environ.get("NEO4J_USERNAME") or "neo4j",
        None,
        os.environ.get("NEO4J_DATABASE") or None,
        batch_size=batch_size_from_env(),
    )
