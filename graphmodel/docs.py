"""Documentation and templates derived from the schema (never written by hand)."""

from __future__ import annotations

from pathlib import Path

from graphmodel.schema import NodeKind, RelTable, Schema, load_schema


def data_dictionary(schema: Schema | None = None) -> str:
    """The bundle's data dictionary as Markdown: every table, column, type and rule."""
    schema = schema or load_schema()
    out = [
        "# Data dictionary",
        "",
        "Generated from `graphmodel/schema.toml` by `sendgraph docs`; do not edit by hand.",
        "A bundle is a directory of CSV files (UTF-8), one per table, named `<table>.csv`, or one",
        "`.xlsx` workbook with a sheet per table. Dates are `YYYY-MM-DD` (or `DD-MM-YYYY`).",
        "Columns marked *personal* are personal data: left out of maps and exports unless asked for.",
        "",
        "Participation tiers, least to most active: "
        + " → ".join(f"`{t}`" for t in schema.participation_tiers),
        "",
    ]
    for name, table in schema.tables.items():
        if isinstance(table, NodeKind):
            out += [
                f"## `{name}.csv` — node `{table.label}`",
                "",
                table.doc,
                "",
                f"Key: `{table.key_column}`.",
                "",
            ]
        else:
            assert isinstance(table, RelTable)
            out += [
                f"## `{name}.csv` — relationship `(:{table.start.kind})-[:{table.type}]->"
                f"(:{table.end.kind})`",
                "",
                table.doc,
                "",
                f"Key: {', '.join(f'`{k}`' for k in table.key)}.",
                "",
            ]
        out += ["| column | type | required | rules | meaning |", "| --- | --- | --- | --- | --- |"]
        for p in table.properties.values():
            rules = []
            if p.personal:
                rules.append("*personal*")
            if p.values:
                rules.append("one of " + ", ".join(f"`{v}`" for v in p.values))
            if p.ref:
                rules.append(f"refers to {p.ref}" + (f" (`{p.rel}`)" if p.rel else ""))
            if isinstance(table, RelTable) and p.name in (table.start.column, table.end.column):
                end = table.start if p.name == table.start.column else table.end
                rules.append(f"refers to {end.kind}")
            if p.min is not None:
                rules.append(f"≥ {p.min:g}")
            if p.max is not None:
                rules.append(f"≤ {p.max:g}")
            if p.not_future:
                rules.append("not in the future")
            if p.after:
                rules.append(f"not before `{p.after}`")
            out.append(
                f"| `{p.name}` | {p.type} | {'yes' if p.required else ''} | {'; '.join(rules)} | {p.doc} |"
            )
        out.append("")
    return "\n".join(out)


def write_templates(directory: Path, xlsx: bool = False, schema: Schema | None = None) -> list[Path]:
    """Empty CSVs (headers only) for every table; optionally one workbook too."""
    schema = schema or load_schema()
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in schema.tables.items():
        path = directory / f"{name}.csv"
        path.write_text(",".join(table.columns) + "\n", encoding="utf-8")
        written.append(path)
    if xlsx:
        from openpyxl import Workbook

        wb = Workbook()
        wb.remove(wb.active)
        for name, table in schema.tables.items():
            wb.create_sheet(name).append(table.columns)
        path = directory / "sendgraph-bundle.xlsx"
        wb.save(path)
        written.append(path)
    return written
