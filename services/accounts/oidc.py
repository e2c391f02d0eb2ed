"""Single sign-on with an OpenID Connect provider (authorization code flow
with PKCE)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/auth/oidc", tags=["accounts"])
