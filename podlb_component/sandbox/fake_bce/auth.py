"""bce-auth-v1 signature check, written from BCE's published algorithm (not from the SDK):

    authStringPrefix = bce-auth-v1/{accessKeyId}/{timestamp}/{expirationPeriodInSeconds}
    signingKey       = HMAC-SHA256-HEX(secretAccessKey, authStringPrefix)
    canonicalRequest = Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders
    signature        = HMAC-SHA256-HEX(signingKey, canonicalRequest)
    Authorization    = authStringPrefix/{signedHeaders}/{signature}

With an empty signedHeaders list the server signs host, content-length, content-type,
content-md5 and every x-bce-* header present.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import time
from collections.abc import Mapping
from urllib.parse import quote, unquote

from .errors import BceFault

DEFAULT_SIGNED = {"host", "content-length", "content-type", "content-md5"}


def uri_encode(text: str, keep_slash: bool = False) -> str:
    return quote(text, safe="-_.~" + ("/" if keep_slash else ""))


def canonical_query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(sorted(f"{uri_encode(k)}={uri_encode(v)}" for k, v in pairs if k.lower() != "authorization"))


def canonical_headers(headers: Mapping[str, str], signed: set[str] | None) -> str:
    """`signed` None means the default set: DEFAULT_SIGNED plus every x-bce-* header."""

    def included(key: str) -> bool:
        if signed is None:
            return key in DEFAULT_SIGNED or key.startswith("x-bce-")
        return key in signed

    lines = []
    for name, value in headers.items():
        key, val = name.strip().lower(), str(value).strip()
        if val and included(key):
            lines.append(f"{uri_encode(key)}:{uri_encode(val)}")
    return "\n".join(sorted(lines))


def verify(
    method: str,
    raw_path: str,
    query_pairs: list[tuple[str, str]],
    headers: Mapping[str, str],
    secrets: Mapping[str, str],
    now: float | None = None,
) -> str:
    """Return the access key id of a correctly signed request, else raise BceFault(403)."""
    auth = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
    if not auth:
        raise BceFault(403, "AccessDenied", "the request has no Authorization header")
    parts = auth.split("/")
    if len(parts) != 6 or parts[0] != "bce-auth-v1":
        raise BceFault(
            403, "InvalidAuthorization", "Authorization is not bce-auth-v1/ak/timestamp/expiration/headers/sig"
        )
    _, ak, timestamp, expiration, signed_list, signature = parts
    if ak not in secrets:
        raise BceFault(403, "InvalidAccessKeyId", f"access key {ak} does not exist")
    try:
        issued = calendar.timegm(time.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ"))
        lifetime = int(expiration)
    except ValueError:
        raise BceFault(403, "InvalidAuthorization", "bad timestamp or expiration in Authorization") from None
    current = time.time() if now is None else now
    if current > issued + lifetime:
        raise BceFault(403, "RequestExpired", f"the request signed at {timestamp} expired after {lifetime}s")
    if issued > current + 900:  # stricter than needed: refuse clocks far in the future
        raise BceFault(403, "RequestExpired", f"the request is signed in the future ({timestamp})")
    lowered = {k.lower() for k in headers}
    signed = {h.strip().lower() for h in signed_list.split(";") if h.strip()} or None
    if signed is not None and not signed <= lowered:
        raise BceFault(403, "SignatureDoesNotMatch", "a signed header is missing from the request")
    if "host" not in lowered:
        raise BceFault(403, "SignatureDoesNotMatch", "the Host header must be present and signed")
    prefix = f"bce-auth-v1/{ak}/{timestamp}/{expiration}"
    signing_key = hmac.new(secrets[ak].encode(), prefix.encode(), hashlib.sha256).hexdigest()
    canonical = "\n".join(
        [
            method.upper(),
            uri_encode(unquote(raw_path), keep_slash=True),
            canonical_query(query_pairs),
            canonical_headers(headers, signed),
        ]
    )
    expected = hmac.new(signing_key.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise BceFault(403, "SignatureDoesNotMatch", "the request signature we calculated does not match")
    return ak
