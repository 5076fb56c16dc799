"""Account mail functions: password reset and e-mail address verification, by mailed links."""

from __future__ import annotations

from typing import TYPE_CHECKING

from functions.core.models.account_mail import (
    Accepted,
    EmailVerification,
    EmailVerified,
    PasswordResetComplete,
    PasswordResetRequest,
)
from functions.core.runtime import Runtime
from functions.core.services import account_links
from functions.edge import Call, Reply, endpoint
from functions.sink import event_sink

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent

_NO_STORE = {"Cache-Control": "no-store"}


@endpoint(body=PasswordResetRequest, response=Accepted, status=202, auth=False)
async def request_password_reset(call: Call[PasswordResetRequest, None]) -> Accepted:
    """Mail a link to reset the password to this address, if an account uses it.

    The answer is the same whether or not one does. The link works once, within an hour."""
    return await account_links.request_password_reset(call.rt, call.body, call.client_address)


@endpoint(body=PasswordResetComplete, status=204, auth=False)
async def complete_password_reset(call: Call[PasswordResetComplete, None]) -> Reply:
    """Set a new password with the secret of a mailed reset link; every session of the
    account ends. A used, expired or wrong link is a 400 of type `invalid_link`."""
    await account_links.complete_password_reset(call.rt, call.body)
    return Reply(None, status=204, headers=_NO_STORE)


@endpoint(body=EmailVerification, response=EmailVerified, auth=False)
async def verify_email(call: Call[EmailVerification, None]) -> EmailVerified:
    """Verify an address with the secret of the link mailed to it (no sign-in needed).

    A used, expired or wrong link, or one for an address the account no longer has, is a
    400 of type `invalid_link`."""
    return await account_links.verify_email(call.rt, call.body.token)


@endpoint(response=Accepted, status=202)
async def resend_verification(call: Call[None, None]) -> Accepted:
    """Mail another link to verify the signed-in account's address; 409 once it is
    verified."""
    return await account_links.resend_verification(call.rt, call.user.user_id)


@event_sink
async def send_account_mail(rt: Runtime, event: CloudEvent) -> None:
    """A password reset was asked for, or an address is to be verified: make the link and
    mail it (nothing when there is no account to mail about)."""
    await account_links.send_account_mail(rt, event)
