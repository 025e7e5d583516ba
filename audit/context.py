"""The client address of the request being served, for the trail (set by the middleware)."""

from contextvars import ContextVar

client_address: ContextVar[str | None] = ContextVar("client_address", default=None)
