"""What every page's header says of a logged-in person, in one written-out statement (pages
layer: it reads the cart, the structures' approvers, the providers' users and the
conventions)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from catalog.models import Provider
from documents.models import ConventionAcceptance, Document
from employers.models import Structure
from enrollment.models import Cart, CartItem


@dataclass(frozen=True)
class HeaderState:
    """What every page's header says of a logged-in person: their cart's count, whether they
    approve for a structure (and how many of its conventions await their acceptance), whether
    they act for a provider."""

    cart_count: int
    is_approver: bool
    is_provider: bool
    conventions_to_accept: int


def _header_sql() -> str:
    """The header's statement: three counts by primary keys and the conventions to accept,
    written out (`header_state`). The last is `documents.selectors.to_accept()` of the
    person's structures: the latest version of a structure's convention for a session, not
    accepted (tests/parcourspro/test_header_state.py checks that both say the same)."""
    cart, item = Cart._meta.db_table, CartItem._meta.db_table
    approvers = Structure.approvers.through._meta.db_table
    provider_users = Provider.users.through._meta.db_table
    document, acceptance = Document._meta.db_table, ConventionAcceptance._meta.db_table
    # The kind written in, not a parameter: the plan of a prepared statement then still
    # proves the conventions' partial unique index's condition (kind = 'convention').
    convention = Document.Kind.CONVENTION.value
    return (
        f"SELECT (SELECT COUNT(*) FROM {item} JOIN {cart} ON {cart}.id = {item}.cart_id"
        f" WHERE {cart}.user_id = %s),"
        f" EXISTS(SELECT 1 FROM {approvers} WHERE user_id = %s),"
        f" EXISTS(SELECT 1 FROM {provider_users} WHERE user_id = %s),"
        f" (SELECT COUNT(*) FROM {document} d JOIN {approvers} a"
        f" ON a.structure_id = d.structure_id AND a.user_id = %s"
        f" WHERE d.kind = '{convention}'"
        f" AND NOT EXISTS(SELECT 1 FROM {acceptance} WHERE document_id = d.id)"
        f" AND NOT EXISTS(SELECT 1 FROM {document} newer WHERE newer.kind = '{convention}'"
        f" AND newer.session_id = d.session_id AND newer.structure_id = d.structure_id"
        f" AND newer.version > d.version))"
    )


def header_state(user) -> HeaderState:
    """The person's cart count, whether they approve for a structure (with the conventions
    awaiting their acceptance) or act for a provider, in one query (an approver's pages ran a
    second one for the conventions, 0.8 ms of the ORM building it). Written in SQL: built
    with the ORM (subqueries, `Exists`), its compilation cost more than the rest of a short
    page (docs/PERFORMANCE.md, « Pages connectées »)."""
    with connection.cursor() as cursor:
        cursor.execute(_header_sql(), [user.pk] * 4)
        cart_count, is_approver, is_provider, conventions = cursor.fetchone()
    return HeaderState(cart_count, bool(is_approver), bool(is_provider), conventions)
