"""What a browser posts back from a page's form, unchanged: every named input, select and
textarea of the form with the given `action` or `id` (or the first form with a
method="post")."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, action: str | None, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.action, self.form_id = action, form_id
        self.inside = False
        self.done = False
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done and not self.inside:
            method = (attrs.get("method") or "get").lower()
            if (
                method == "post"
                and (self.action is None or attrs.get("action") == self.action)
                and (self.form_id is None or attrs.get("id") == self.form_id)
            ):
                self.inside = True
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "file", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self._add(name, attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self._add(self._select, attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self._add(self._textarea, "".join(self._text).lstrip("\n"))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def posted_back(
    html: str, *, action: str | None = None, form_id: str | None = None
) -> dict[str, str | list[str]]:
    reader = _FormReader(action, form_id)
    reader.feed(html)
    return {name: values[0] if len(values) == 1 else values for name, values in reader.data.items()}
