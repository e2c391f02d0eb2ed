"""One-time links to set a password: invitations and resets.

The token in the link is the credential (only its SHA-256 is stored); the
domain rules are in :mod:`services.accounts.people`.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from core.web import Db, Rt, client_ip
from services.accounts import people

router = APIRouter(prefix="/api/account-links", tags=["accounts"])


def base_url(runtime: Rt, request: Request) -> str:
    """Where people open Attune: the ``public_url`` setting, else where this
    request came to."""
    return (runtime.settings.public_url or str(request.base_url)).rstrip("/")


class LinkInfo(BaseModel):
    purpose: str
    email: str
    name: str
    expires_at: datetime


class SetPasswordIn(BaseModel):
    password: str = Field(min_length=1, max_length=people.PASSWORD_FIELD_MAX)
    name: str | None = Field(default=None, max_length=200)


@router.get("/{token}", response_model=LinkInfo)
def link_info(token: str, db: Db) -> LinkInfo:
    """Whose link this is and what it is for, so the page can greet them."""
    link, user = people.open_link(db, token)
    return LinkInfo(purpose=link.purpose.value, email=user.email, name=user.name,
                    expires_at=link.expires_at)


@router.post("/{token}", status_code=204)
def set_password(token: str, body: SetPasswordIn, request: Request, db: Db) -> Response:
    """Set the password (and, for an invitation, one's name); the link is used up
    and every session of the person ends. The page then asks them to log in."""
    people.redeem_link(db, token, body.password, body.name, client_ip(request))
    return Response(status_code=204)
