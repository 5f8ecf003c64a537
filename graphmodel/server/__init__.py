"""Graph database backends: Neo4j (Bolt, through the official driver) and FalkorDB (its native client).

Both are :class:`graphmodel.store.GraphStore` implementations sharing one body (``base.py``): the
statements they send are built from the schema (``cypher.py``), the few places where Neo4j's and
FalkorDB's Cypher differ live in ``dialect.py``, and values cross the wire as plain Python types
(``convert.py``). Nothing here is imported unless a server backend is chosen.
"""
