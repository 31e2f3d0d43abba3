"""Attachments built when an email is sent rather than when it is recorded: an outbox row
holds `{"filename", "mimetype", "build": name, "args": {...}}` and the sending task asks the
builder registered under `name` for the bytes (e.g. the convocation's PDF, which the
`documents` app generates and stores). Apps above register their builders at start-up, so
that the outbox imports none of them."""

from __future__ import annotations

from collections.abc import Callable

_BUILDERS: dict[str, Callable[..., bytes]] = {}


class UnknownAttachment(LookupError):
    pass


def register(name: str, builder: Callable[..., bytes]) -> None:
    _BUILDERS[name] = builder


def deferred(name: str, *, filename: str, mimetype: str, **args) -> dict:
    """An attachment entry whose content `name`'s builder makes at sending time."""
    return {"filename": filename, "mimetype": mimetype, "build": name, "args": args}


def build(attachment: dict) -> bytes:
    try:
        builder = _BUILDERS[attachment["build"]]
    except KeyError:
        raise UnknownAttachment(attachment["build"]) from None
    return builder(**attachment.get("args", {}))
