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
            if p.derived:
                rules.append(f"*derived* ({p.derived}): computed at load, not supplied")
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
        path.write_text(",".join(table.input_columns) + "\n", encoding="utf-8")
        written.append(path)
    if xlsx:
        path = directory / "sendgraph-bundle.xlsx"
        write_xlsx_template(path, schema)
        written.append(path)
    return written


INFO_SHEET = "README"
LISTS_SHEET = "lists"
TEMPLATE_SHEETS = (INFO_SHEET, LISTS_SHEET)
"""Sheets of the workbook template that are not tables (the .xlsx reader skips them)."""
TEMPLATE_ROWS = 2000  # rows the drop-down lists cover


def code_lists(schema: Schema | None = None) -> dict[tuple[str, str], tuple[list[str], bool]]:
    """For each (table, column) with a code list: the codes, and whether the list is closed.

    Closed lists are the schema's ``values`` (network kinds, participation tiers, ...). Columns that
    refer to a catalogue kind (roles, qualifications, need areas, providers, LAs, regions) list the
    catalogue's codes but stay open: a user may add rows of their own to those tables.
    """
    from graphmodel.catalogue import catalogue_frame, catalogue_tables

    schema = schema or load_schema()
    shipped = set(catalogue_tables())
    out: dict[tuple[str, str], tuple[list[str], bool]] = {}
    for name, table in schema.tables.items():
        refs: dict[str, str] = {p.name: p.ref for p in table.properties.values() if p.ref}
        if isinstance(table, RelTable):
            refs.setdefault(table.start.column, table.start.kind)
            refs.setdefault(table.end.column, table.end.kind)
        for p in table.properties.values():
            if p.values:
                out[(name, p.name)] = (list(p.values), True)
                continue
            kind = refs.get(p.name)
            if kind is None or isinstance(table, NodeKind) and p.name == table.key_column:
                continue
            node = schema.nodes.get(kind)
            if node is None or node.name not in shipped or node.name == name:
                continue
            codes = catalogue_frame(node.name)[node.key_column].astype(str).tolist()
            out[(name, p.name)] = (codes, False)
    return out


def write_xlsx_template(path: Path, schema: Schema | None = None) -> Path:
    """One workbook to fill in by hand: an explanation sheet, then one sheet per table.

    Every code list becomes a drop-down (Excel data validation: closed lists refuse other values,
    catalogue lists warn), date columns are formatted as dates and text columns as text (so an id
    like 00123 keeps its zeros). What Excel saves back (dates as serial numbers, whole numbers as
    5.0) is read by ``sendgraph validate`` / ``load`` like the CSV bundle.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    schema = schema or load_schema()
    lists = code_lists(schema)
    wb = Workbook()
    info = wb.active
    info.title = INFO_SHEET
    info.append(["sendgraph bundle template"])
    info["A1"].font = Font(bold=True, size=14)
    info.append(
        [
            "Fill in the sheets you need (any subset), keep the header rows as they are, and run "
            "`sendgraph validate` then `sendgraph load` on this workbook. Grey headers are optional, "
            "bold ones required. Dates: type them as dates. Drop-downs list the allowed codes."
        ]
    )
    info.append([])
    info.append(["sheet", "what it holds", "key", "required columns", "other columns"])
    for cell in info[4]:
        cell.font = Font(bold=True)
    for name, table in schema.tables.items():
        required = [p.name for p in table.properties.values() if p.required]
        other = [p.name for p in table.properties.values() if not p.required and not p.derived]
        info.append([name, table.doc, ", ".join(table.key), ", ".join(required), ", ".join(other)])
    info.column_dimensions["A"].width = 24
    info.column_dimensions["B"].width = 90
    info.column_dimensions["C"].width = 30

    codes = wb.create_sheet(LISTS_SHEET)
    ranges: dict[tuple[str, str], str] = {}
    for k, ((table_name, column), (values, _closed)) in enumerate(sorted(lists.items()), start=1):
        letter = get_column_letter(k)
        codes.cell(row=1, column=k, value=f"{table_name}.{column}")
        for r, v in enumerate(values, start=2):
            codes.cell(row=r, column=k, value=v)
        ranges[(table_name, column)] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
    codes.sheet_state = "hidden"

    for name, table in schema.tables.items():
        ws = wb.create_sheet(name)
        ws.append(table.input_columns)
        ws.freeze_panes = "A2"
        inputs = [p for p in table.properties.values() if not p.derived]
        for k, p in enumerate(inputs, start=1):
            letter = get_column_letter(k)
            head = ws.cell(row=1, column=k)
            head.font = Font(bold=p.required, color=None if p.required else "666666")
            if p.doc:
                head.comment = Comment(p.doc, "sendgraph")
            ws.column_dimensions[letter].width = max(12, len(p.name) + 4)
            if p.type == "date":
                ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
            elif p.type == "str":
                ws.column_dimensions[letter].number_format = "@"
            if (name, p.name) in ranges:
                closed = lists[(name, p.name)][1]
                dv = DataValidation(
                    type="list",
                    formula1=f"={ranges[(name, p.name)]}",
                    allow_blank=not p.required,
                    errorStyle="stop" if closed else "warning",
                    showErrorMessage=True,
                    error="Choose a code from the list." if closed else "Not a catalogue code: add it first.",
                )
                dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
                ws.add_data_validation(dv)
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames))
    wb.save(path)
    return path
