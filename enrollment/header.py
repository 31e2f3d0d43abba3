"""What every page's header says of a logged-in person, in one written-out statement."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from catalog.models import Provider
from employers.models import Structure

from .models import Cart, CartItem


@dataclass(frozen=True)
class HeaderState:
    """What every page's header says of a logged-in person."""

    cart_count: int
    is_approver: bool
    is_provider: bool


def _header_sql() -> str:
    """The header's statement: three counts by primary keys, written out (`header_state`)."""
    cart, item = Cart._meta.db_table, CartItem._meta.db_table
    approvers = Structure.approvers.through._meta.db_table
    provider_users = Provider.users.through._meta.db_table
    return (
        f"SELECT (SELECT COUNT(*) FROM {item} JOIN {cart} ON {cart}.id = {item}.cart_id"
        f" WHERE {cart}.user_id = %s),"
        f" EXISTS(SELECT 1 FROM {approvers} WHERE user_id = %s),"
        f" EXISTS(SELECT 1 FROM {provider_users} WHERE user_id = %s)"
    )


def header_state(user) -> HeaderState:
    """The person's cart count, whether they approve for a structure or act for a provider,
    in one query (three before: every page of a logged-in person ran them). Written in SQL:
    built with the ORM (subqueries, `Exists`), its compilation cost more than the rest of a
    short page (docs/PERFORMANCE.md, « Pages connectées »)."""
    with connection.cursor() as cursor:
        cursor.execute(_header_sql(), [user.pk] * 3)
        cart_count, is_approver, is_provider = cursor.fetchone()
    return HeaderState(cart_count, bool(is_approver), bool(is_provider))
