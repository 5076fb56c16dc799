"""Password reset and address verification on the wire."""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import Field

from events.vocabulary import NoNul
from functions.core.models.accounts import Password
from functions.core.models.common import Public, Strict

RESET_REQUESTED: Final = (
    "If an account uses that address, a link to reset its password is on its way."
)
VERIFICATION_SENT: Final = "A link to verify your address is on its way."

# What a mailed link carries after `#token=`: 43 characters of token_urlsafe(32), with room.
LinkToken = Annotated[str, Field(min_length=1, max_length=256), NoNul]


class PasswordResetRequest(Strict):
    # Any text up to an address's length: an answer that depended on whether it is a valid
    # address (or has an account) would tell more than the same answer for all.
    email: Annotated[str, Field(min_length=1, max_length=320), NoNul]


class PasswordResetComplete(Strict):
    token: LinkToken
    password: Password


class EmailVerification(Strict):
    token: LinkToken


class Accepted(Public):
    """The request is taken; what it leads to arrives by e-mail."""

    detail: str


class EmailVerified(Public):
    email: str
    email_verified: bool
