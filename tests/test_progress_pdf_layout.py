"""The progress report's tables keep to the page's margins: 主要指标 once ran to 2 mm from the paper's edge."""
from decimal import Decimal

from django.template.loader import render_to_string

from core.pdf import render_document
from debts.factories import ClaimFactory, DebtFactory
from reports.measures import Period, Place
from reports.progress import MEASURE_ROWS, TEMPLATE, report_context


def cell_boxes(box):
    return [b for b in box.descendants() if type(b).__name__ == "TableCellBox"]


def test_every_table_of_the_progress_report_stays_within_the_margins(personas):
    ClaimFactory(village=personas.yukou, principal=Decimal("28636000.50"))
    DebtFactory(village=personas.jicui, principal=Decimal("5000000.00"))
    context = report_context(Place.of(personas.county), Period())
    assert [len(line) for line in context["measure_lines"]] == [3] * len(context["measure_lines"])
    labels = [row["label"] for line in context["measure_lines"] for row in line if row]
    assert labels == [label for _, label, _ in MEASURE_ROWS]

    document = render_document(render_to_string(TEMPLATE, context))
    tables = 0
    for page in document.pages:
        box = page._page_box
        left, right = box.margin_left, box.margin_width() - box.margin_right
        for table in (b for b in box.descendants() if type(b).__name__ == "TableBox"):
            if "data" not in (table.element.get("class") or ""):
                continue
            tables += 1
            cells = cell_boxes(table)
            assert min(c.position_x for c in cells) >= left - 0.5
            assert max(c.position_x + c.margin_width() for c in cells) <= right + 0.5, table.element.get("class")
    assert tables >= 6
