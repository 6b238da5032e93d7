"""`python -m etl connect quickbooks|xero`: the one-off authorisation (OAuth2 code grant).

Two steps, no browser automation and no local web server (works over SSH):
1. `etl connect quickbooks` prints the vendor's consent URL; its state is kept, encrypted,
   beside the token (`<source>.state`).
2. Open it, approve, and copy the URL the browser is sent back to (the redirect URI, which
   need not load); `etl connect quickbooks --redirect-url '<that URL>'` checks the state,
   exchanges the code for tokens and stores them encrypted (etl/sync/oauth.py), with the
   company: QBO's `realmId` from the redirect, Xero's tenant from GET /connections (the first,
   or the one named by --tenant).
`--new-key` prints a fresh ACCOUNTING_TOKEN_KEY to put in .streamlit/secrets.toml. Nothing
secret is printed except that key, on request; tokens never are.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from core.cli_errors import UserError

if TYPE_CHECKING:  # httpx and cryptography are imported by the steps, not by the parser that
    # `python -m etl` builds for every command
    import httpx

    from etl.sync.oauth import OAuthApp, TokenStore
    from etl.sync.settings import Settings

SOURCES = ("quickbooks", "xero")


def _app(source: str, settings: Settings) -> OAuthApp:
    if source == "quickbooks":
        from etl.sync.quickbooks.source import app
    else:
        from etl.sync.xero.source import app
    return app(settings)


def _state_store(source: str, settings: Settings) -> TokenStore:
    from etl.sync.oauth import TokenStore

    store = TokenStore(source, settings)
    store.path = store.path.with_suffix(".state")
    return store


def begin(source: str, settings: Settings) -> str:
    """Step 1: the consent URL (the state is stored for step 2)."""
    from etl.sync.oauth import authorization_url

    app = _app(source, settings)
    url, state = authorization_url(app)
    _state_store(source, settings).save({"state": state})
    return url


def finish(
    source: str,
    settings: Settings,
    redirect_url: str,
    *,
    tenant: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> str:
    """Step 2: tokens for the redirect's code, stored; returns what was connected."""
    from etl.sync.http import CredentialError
    from etl.sync.oauth import TokenStore, code_from_redirect, exchange_code

    app = _app(source, settings)
    states = _state_store(source, settings)
    try:
        state = states.load()["state"]
    except CredentialError:
        raise UserError(f"{source}: run `python -m etl connect {source}` first") from None
    code, extra = code_from_redirect(redirect_url, state)
    token = exchange_code(app, code, transport=transport)
    if source == "quickbooks":
        realm = extra.get("realmId")
        if not realm:
            raise UserError("quickbooks: the redirect URL has no realmId (the company)")
        token["realm_id"] = realm
        company = f"company {realm}"
    else:
        token["tenant_id"], name = _xero_tenant(settings, token, tenant, transport)
        company = f"organisation {name}"
    TokenStore(source, settings).save(token)
    states.path.unlink(missing_ok=True)
    return f"{source}: connected to {company}; tokens stored encrypted in {states.path.parent}"


def _xero_tenant(settings: Settings, token: dict, wanted: str | None, transport) -> tuple:
    import httpx

    from etl.sync.http import CredentialError

    url = settings.get("XERO_CONNECTIONS_URL", "https://api.xero.com/connections")
    with httpx.Client(transport=transport, timeout=30.0) as http:
        response = http.get(url, headers={"Authorization": f"Bearer {token['access_token']}"})
    if response.is_error:
        raise CredentialError(f"xero: GET /connections: {response.status_code}")
    tenants = [t for t in json.loads(response.text) if t.get("tenantType") == "ORGANISATION"]
    if wanted:
        tenants = [t for t in tenants if wanted in (t.get("tenantId"), t.get("tenantName"))]
    if not tenants:
        raise UserError(
            "xero: no organisation connected" + (f" named {wanted!r}" if wanted else "")
        )
    return tenants[0]["tenantId"], tenants[0].get("tenantName") or tenants[0]["tenantId"]


def add_parser(sub) -> None:
    connect = sub.add_parser("connect", help="authorise QuickBooks Online or Xero (once)")
    connect.add_argument("source", choices=SOURCES)
    connect.add_argument("--redirect-url", help="step 2: the URL the browser came back to")
    connect.add_argument("--tenant", help="xero: the organisation (name or id) to sync")
    connect.add_argument(
        "--new-key", action="store_true", help="print a new ACCOUNTING_TOKEN_KEY and stop"
    )


def cmd_connect(args, settings: Settings | None = None) -> int:
    from etl.sync.oauth import new_key
    from etl.sync.settings import load_settings

    if args.new_key:
        print(f'ACCOUNTING_TOKEN_KEY = "{new_key()}"  # add to .streamlit/secrets.toml')
        return 0
    settings = settings or load_settings()
    if args.redirect_url:
        print(finish(args.source, settings, args.redirect_url, tenant=args.tenant))
        return 0
    url = begin(args.source, settings)
    print(
        f"Open this URL, approve, then run:\n  python -m etl connect {args.source} "
        f"--redirect-url '<the URL your browser is sent back to>'\n\n{url}"
    )
    return 0
