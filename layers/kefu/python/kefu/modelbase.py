"""The base of the domain models, and the one model every channel adapter needs (``Attachment``).

A module of its own so that loading one channel adapter (kefu.channels) defines only the models a delivery
uses, not all the domain models of kefu.models (which re-exports both names: import them from either).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class LazyModel(BaseModel):
    """A model whose validator is built at first use, not at import: a function that touches two of these
    models (a channel adapter: Attachment and the inbound message) does not pay at cold start for all."""

    model_config = ConfigDict(defer_build=True)


class Attachment(LazyModel):
    content_type: str | None = None
    name: str | None = None
    size: int | None = None
    url: str | None = None  # where the provider serves it (fetched by the media pipeline)
    media_id: str | None = None  # the provider's media id, when it has one
    s3_key: str | None = None  # once stored by us
    duration_seconds: int | None = None  # voice and recordings, when the provider says (Telegram, Twilio)
