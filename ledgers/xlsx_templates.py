"""The downloadable template of each kind: its headers, an example row and drop-down lists."""
from core.xlsx import TemplateColumn, build_template

from .kinds import Kind


def template_content(kind: Kind) -> bytes:
    columns = [TemplateColumn(c.name, max(c.width, len(c.name) * 2 + 2), c.required, c.choices, c.note)
               for c in kind.columns]
    example = [kind.example.get(c.name, "") for c in kind.columns]
    return build_template(title=f"{kind.label}台账", columns=columns, example=example)
