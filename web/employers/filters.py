"""The Employer Space's tables: their GET forms (who, what, when, which state, the
order), the links that keep them, what their rows show and the requests table's rows
rendered (`rows_html`); the queries are `enrollment.employer_requests`'."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from catalog.dates import period_text
from catalog.models import ActionKind
from common import typography
from common.text import de_name
from enrollment import employer_requests as tables
from enrollment.models import RegistrationStatus
from enrollment.rules import ANNUAL_MEMBER_ONLY_QUOTA, ANNUAL_TRAINING_QUOTA, REASON_MAX_LENGTH
from web.employers.forms import RefuseForm
from web.forms import PageForm
from web.parts import render_part

# Each cell's heading of the requests table, said before its value on a phone (data-label).
ROW_LABELS = {
    "action": _("Action"),
    "session": _("Session"),
    "submitted": _("Demandée le"),
    "place": _("Place"),
    "quota": _("Quota annuel"),
    "motivations": _("Motivations"),
    "decision": _("Décision"),
}

# The URL's parameters that a table keeps from one page to the next (filters, order, page).
KEPT = ("status", "employee", "kind", "year", "structure", "sort", "page")

REQUEST_STATUSES = [
    (tables.TO_DECIDE, _("À traiter")),
    (tables.ALL, _("Toutes les demandes")),
    *RegistrationStatus.choices,
]
DECISION_STATUSES = [("", _("Toutes les décisions")), *tables.Decision.choices]


class TableForm(PageForm):
    """A table's GET form: invalid values are reported in French and then ignored. It
    filters nothing itself: its valid part becomes the selectors' criteria
    (`enrollment.employer_requests`).

    The choices come from the page: `people` (employees and requesters), `years`,
    `structures` (the approver's; the filter is shown when they have several)."""

    required_css_class = ""
    sorts: dict = {}
    default_sort = ""

    employee = forms.ChoiceField(label=_("Salarié·e"), required=False)
    kind = forms.ChoiceField(
        label=_("Type d'action"),
        choices=[("", _("Tous les types")), *ActionKind.choices],
        required=False,
    )
    year = forms.ChoiceField(label=_("Année de la session"), required=False)
    structure = forms.ChoiceField(label=_("Structure"), required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data, *, people, years, structures):
        super().__init__(data)
        self.fields["employee"].choices = [
            ("", _("Tous les salariés")),
            *((str(person.pk), person.get_full_name() or person.email) for person in people),
        ]
        self.fields["year"].choices = [
            ("", _("Toutes les années")),
            *((str(year), str(year)) for year in years),
        ]
        self.fields["structure"].choices = [
            ("", _("Toutes vos structures")),
            *((str(s.pk), s.name) for s in structures),
        ]
        self.several_structures = len(structures) > 1

    def criteria(self) -> tables.Criteria:
        """The valid part of the form, as the selectors' criteria."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        sort = data.get("sort") or ""
        return tables.Criteria(
            status=data.get("status") or "",
            employee_id=int(data["employee"]) if data.get("employee") else None,
            kind=data.get("kind") or "",
            year=int(data["year"]) if data.get("year") else None,
            structure_id=int(data["structure"]) if data.get("structure") else None,
            sort=sort if sort.lstrip("-") in self.sorts else self.default_sort,
        )

    def visible_fields(self):
        """The form's fields as the page shows them (the structure only when several)."""
        shown = ["status", "employee", "kind", "year"]
        if self.several_structures:
            shown.append("structure")
        return [self[name] for name in shown]


class RequestForm(TableForm):
    sorts = tables.REQUEST_SORTS
    default_sort = tables.REQUEST_DEFAULT_SORT

    status = forms.ChoiceField(label=_("Statut"), choices=REQUEST_STATUSES, required=False)


class DecisionForm(TableForm):
    sorts = tables.DECISION_SORTS
    default_sort = tables.DECISION_DEFAULT_SORT

    status = forms.ChoiceField(label=_("Décision"), choices=DECISION_STATUSES, required=False)


def query_string(params, *, drop=(), **extra) -> str:
    """The tables' parameters of `params` (a QueryDict) that a link keeps, without `drop`,
    with `extra`, as a query string."""
    kept = [(k, params.get(k)) for k in KEPT if k not in drop and k not in extra and params.get(k)]
    return urlencode(kept + [(k, v) for k, v in extra.items() if v])


def sort_links(params, form) -> dict[str, dict]:
    """Each sortable column's link (its order, the other way round when already sorted by it,
    with the filters kept) and its `aria-sort`."""
    current = form.criteria().sort
    columns = {}
    for key in form.sorts:
        ascending = current == key
        descending = current == f"-{key}"
        columns[key] = {
            "url": "?" + query_string(params, drop=("page",), sort=f"-{key}" if ascending else key),
            "aria_sort": "ascending" if ascending else "descending" if descending else "",
        }
    return columns


def tables_context(request, structures, form_class):
    """What both tables' pages share: the people they may name, the filter form, the sort
    links and the query strings that keep the filters."""
    people = tables.people_of(structures)
    this_year = timezone.localdate().year
    years = sorted(set(tables.request_years(structures)) | {this_year}, reverse=True)
    form = form_class(request.GET, people=people, years=years, structures=structures)
    return {
        "people": people,
        "years": years,
        "filters": form,
        "criteria": form.criteria(),
        "columns": sort_links(request.GET, form),
        "query": query_string(request.GET),
        "page_query": query_string(request.GET, drop=("page",)),
        "several_structures": len(structures) > 1,
    }


# A key no real row has: reversed once per page, replaced by each row's own key.
URL_MARKER = "9070605040302010"


def url_for_each(name: str, *, by: str = "pk", **fixed):
    """`reverse(name)` for each row of a page: reversed once (with the `fixed` arguments all
    rows share), each row fills in its key `by` (a reverse() per link and row was a tenth of
    the page's time at 50 rows)."""
    url = reverse(name, kwargs={by: URL_MARKER, **fixed})
    return lambda key: url.replace(URL_MARKER, str(key), 1)


def _day_formatter():
    """A date-time as « 8 janv. 2027 », « 1er févr. 2027 »; with the time, « 8 janv. 2027 à
    9 h 30 » (common.typography: plain functions, cheap at each row)."""

    def day(value, *, with_time: bool = False) -> str:
        value = timezone.localtime(value)
        if with_time:
            return typography.moment(value, short=True)
        return typography.day(value.date(), short=True)

    return day


def quota_text(quota) -> str:
    """« 2 sur 4, dont 0 formation sur 3 »: a person's yearly quota (R6) as the Employer Space
    says it, in a row and in the table of employees (French's plural: 0 and 1 singular)."""
    return ngettext(
        "%(used)s sur %(limit)s, dont %(trainings)s formation sur %(training_limit)s",
        "%(used)s sur %(limit)s, dont %(trainings)s formations sur %(training_limit)s",
        quota.trainings,
    ) % {
        "used": quota.member_only,
        "limit": ANNUAL_MEMBER_ONLY_QUOTA,
        "trainings": quota.trainings,
        "training_limit": ANNUAL_TRAINING_QUOTA,
    }


def present_rows(rows, query: str) -> None:
    """What each row of the requests table shows (`rows` with their `quota`), formatted here
    once rather than by the template's tags and filters, whose cost made the page's time grow
    with its rows (docs/PERFORMANCE.md)."""
    suffix = f"?{query}" if query else ""
    action_url = url_for_each("catalog:action_detail", by="slug")
    approve_url = url_for_each("employers:approve")
    refuse_url = url_for_each("employers:refuse")
    _day = _day_formatter()
    # Each sentence translated once for the page and filled in for each row: a translation
    # looks the sentence up in each of the site's catalogues (a dozen), a third of a row's
    # work when each row asked again.
    label_text = gettext("la demande %(of_name)s pour « %(title)s »")
    select_text = gettext("Sélectionner la demande %(of_name)s pour « %(title)s »")
    deadline_text = gettext("limite : %(deadline)s")
    motivations_text = gettext("les motivations %(of_name)s")
    kind_names = {kind: str(name) for kind, name in ActionKind.choices}
    for registration in rows:
        session = registration.session
        registration.name = f"{registration.first_name} {registration.last_name}"
        who_and_what = {
            "name": registration.name,
            "of_name": de_name(registration.name),
            "title": session.action.title,
        }
        # Names the row's buttons and checkbox for screen readers.
        registration.label = label_text % who_and_what
        registration.select_label = select_text % who_and_what
        registration.action_url = action_url(session.action.slug)
        registration.dates = period_text(session.starts_at, session.ends_at)
        registration.kind = kind_names.get(session.action.kind, session.action.kind)
        registration.deadline = deadline_text % {"deadline": _day(session.registration_deadline)}
        registration.motivations_label = motivations_text % who_and_what
        quota = registration.quota
        registration.quota_text = quota_text(quota) if quota else ""
        registration.submitted = _day(registration.submitted_at, with_time=True)
        registration.approve_url = approve_url(registration.pk) + suffix
        registration.refuse_url = refuse_url(registration.pk) + suffix


def rows_html(request, rows, selected, several_structures) -> str:
    """The requests table's rows (templates/jinja2/employers/requests_rows.html), once
    `present_rows` has set what they show; nothing to render when the table is empty (the
    page then says why)."""
    if not rows:
        return ""
    return render_part(
        request,
        "employers/requests_rows.html",
        {
            "rows": rows,
            "selected": selected,
            "several_structures": several_structures,
            # Translated once for the page, not in each row.
            "labels": {key: str(label) for key, label in ROW_LABELS.items()},
            "refuse_label": str(RefuseForm.label),
            "reason_max_length": REASON_MAX_LENGTH,
        },
    )
