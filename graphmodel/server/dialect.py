"""The ONE place where Neo4j's and FalkorDB's Cypher differ, as far as sendgraph is concerned.

Every other statement (loading, pulling, counting, wiping, the native analyses) is written once in
the subset both engines run identically; the probe of FalkorDB 4.16.3 against Neo4j 5 constructs
(``../shared/notes/falkordb-cypher-probe.md`` section 2.1) is the evidence for that subset. What
remains is schema DDL:

* Neo4j 5: ``CREATE CONSTRAINT name IF NOT EXISTS FOR (n:L) REQUIRE n.k IS UNIQUE`` (the
  constraint brings its own index, the only one a load needs: every MERGE and link is on a key).
* FalkorDB: neither form parses. It takes the unnamed ``CREATE INDEX FOR (n:L) ON (n.k)`` (also
  valid Neo4j 5, so the linter checks it), answers a repeat with "already indexed", and makes
  uniqueness constraints only through the ``GRAPH.CONSTRAINT`` command (native client
  ``create_node_unique_constraint``), which needs that index first.

Rules the shared statements follow because of the other gaps: pattern predicates instead of
``EXISTS {}``, ``size([(p)-->() | 1])`` instead of ``COUNT {}``, no ``elementId``, no ``datetime()``,
no label disjunction, no ``=~``, dates sent as ISO strings inside ``date($x)``, and ``toInteger``
round integer ``sum()`` (FalkorDB returns a float).
"""

from __future__ import annotations

from dataclasses import dataclass

from graphmodel.schema import Schema
from graphmodel.server.cypher import LOADRUN_KEY, LOADRUN_LABEL, safe_name


@dataclass(frozen=True)
class Dialect:
    """What differs between the servers: schema DDL and how a repeated DDL statement is recognised."""

    name: str

    @staticmethod
    def keyed_labels(schema: Schema) -> list[tuple[str, str]]:
        """(label, key property) of every node kind this tool writes: the schema's, and LoadRun."""
        pairs = [(label, node.key_column) for label, node in schema.nodes.items()]
        return [(safe_name(label), safe_name(key)) for label, key in [*pairs, (LOADRUN_LABEL, LOADRUN_KEY)]]

    def schema_ddl(self, schema: Schema) -> list[str]:
        """Cypher DDL to run before any MERGE: a unique constraint (or index) on every node key.

        Labels and property names come from the schema only, never from input (and pass
        ``safe_name``), so they are safe to interpolate.
        """
        if self.name == "neo4j":
            return [
                f"CREATE CONSTRAINT {label.lower()}_{key}_unique IF NOT EXISTS "
                f"FOR (n:{label}) REQUIRE n.{key} IS UNIQUE"
                for label, key in self.keyed_labels(schema)
            ]
        return [f"CREATE INDEX FOR (n:{label}) ON (n.{key})" for label, key in self.keyed_labels(schema)]

    def property_index_ddl(self, schema: Schema) -> list[str]:
        """Indexes on the properties marked ``index = true`` (natives look rows up by them): node
        properties (``Person.specialist``), then relationship properties. Run after the uniqueness
        constraints: FalkorDB builds an index in the background, and a national edge index still
        building held up the constraints past their wait."""
        nodes = self.indexed_node_properties(schema)
        rels = self.indexed_relationship_properties(schema)
        if self.name == "neo4j":
            return [
                *(
                    f"CREATE INDEX {label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"
                    for label, prop in nodes
                ),
                *(
                    f"CREATE INDEX {rel.lower()}_{prop} IF NOT EXISTS FOR ()-[r:{rel}]-() ON (r.{prop})"
                    for rel, prop in rels
                ),
            ]
        return [
            *(f"CREATE INDEX FOR (n:{label}) ON (n.{prop})" for label, prop in nodes),
            *(f"CREATE INDEX FOR ()-[r:{rel}]-() ON (r.{prop})" for rel, prop in rels),
        ]

    @staticmethod
    def indexed_node_properties(schema: Schema) -> list[tuple[str, str]]:
        """(label, property) of every node property marked ``index = true`` (the key has its own)."""
        return [
            (safe_name(label), safe_name(name))
            for label, node in schema.nodes.items()
            for name, prop in node.properties.items()
            if prop.index and name != node.key_column
        ]

    @staticmethod
    def indexed_relationship_properties(schema: Schema) -> list[tuple[str, str]]:
        """(relationship type, property) of every relationship property marked ``index = true``."""
        return [
            (safe_name(rel.type), safe_name(name))
            for rel in schema.relationships.values()
            for name, prop in rel.properties.items()
            if prop.index
        ]

    def unique_constraints(self, schema: Schema) -> list[tuple[str, str]]:
        """(label, key) pairs that need a separate, non-Cypher uniqueness command (FalkorDB only)."""
        if self.name == "neo4j":
            return []
        return [(label, node.key_column) for label, node in schema.nodes.items()]

    @staticmethod
    def already_exists(error: Exception) -> bool:
        """True if a DDL error only says the index or constraint is there already (FalkorDB)."""
        text = str(error).lower()
        return "already indexed" in text or "already exists" in text


NEO4J = Dialect("neo4j")
FALKORDB = Dialect("falkordb")
DIALECTS = {d.name: d for d in (NEO4J, FALKORDB)}
