"""What the site's pages share about forms: one form per row of a list page."""

from __future__ import annotations


class RowForm:
    """A form repeated in each row of a list page (a refusal per request, an invitation per
    structure), its fields prefixed by the row: `refuse-12-reason`.

    After a failed POST the list page is shown again, with the bound form and its errors in
    its own row and blank forms in the others."""

    def __init__(self, form_class, name: str):
        self.form_class = form_class
        self.name = name

    def prefix(self, row) -> str:
        return f"{self.name}-{row.pk}"

    def bind(self, request, row):
        """The form as posted from `row`."""
        return self.form_class(request.POST, prefix=self.prefix(row))

    def for_row(self, row, bound=None):
        """`bound` when it was posted from `row`, else a blank form."""
        if bound is not None and bound.prefix == self.prefix(row):
            return bound
        return self.form_class(prefix=self.prefix(row))
