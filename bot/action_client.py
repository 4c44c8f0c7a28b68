"""Calls to the action server over kept-alive connections.

Rasa 3.6's ``EndpointConfig.request`` opens a new ``aiohttp.ClientSession``,
and so a new TCP connection, for every custom action it runs, and closes it
afterwards: a connection set-up and tear-down on both servers in every
knowledge-base turn. :func:`kept_alive_request` is a request method for the action endpoint
(installed by :mod:`bot.rasa_patches`) with the same behaviour (headers, token parameters, CA file, errors,
JSON answer) over one session per event loop, whose connections are reused.

An action call leaves the domain out once the action server has it: rasa-sdk
keeps the last domain it was sent with its ``domain_digest`` and answers 449
when a call names a digest it does not hold (it restarted, or it is another
server), and the call is then repeated with the domain. Bodies are encoded
and answers decoded with ujson (Sanic's own JSON library, pinned with Rasa).

A kept connection that the action server has closed meanwhile (it restarted,
or its keep-alive ran out) fails at once, before the request is processed; the
call is then made once more on a new connection. Any other failure is left to
:mod:`bot.action_fallback`, which tells the patient to call the clinic.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from typing import Any

import aiohttp
import ujson
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

#: Seconds the Rasa server keeps an idle connection to the action server open.
#: Below Sanic's default keep-alive (5 s on the action server), so that the
#: action server is not the side that closes it while a request is sent.
IDLE_SECONDS = 4.0
_RETRY_ON = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)
#: rasa-sdk's answer to a call without a domain whose digest it does not hold.
DOMAIN_MISSING = 449
_digest: tuple[dict[str, Any], str] | None = None


def domain_digest(domain: dict[str, Any]) -> str:
    """A digest of a domain's content, kept for the last domain (Rasa's ``Domain.as_dict`` returns the same one)."""
    global _digest
    if _digest is None or _digest[0] is not domain:
        _digest = domain, hashlib.sha256(ujson.dumps(domain, sort_keys=True).encode("utf-8")).hexdigest()
    return _digest[1]


def _session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    loop = asyncio.get_running_loop()
    held = getattr(endpoint, "_clinic_session", None)
    if held is not None and held[0] is loop and not held[1].closed:
        session: aiohttp.ClientSession = held[1]
        return session
    auth = aiohttp.BasicAuth(**endpoint.basic_auth) if endpoint.basic_auth else None
    session = aiohttp.ClientSession(
        headers=endpoint.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=None),
        connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=IDLE_SECONDS),
    )
    endpoint._clinic_session = loop, session
    return session


async def kept_alive_request(
    self: EndpointConfig,
    method: str = "post",
    subpath: str | None = None,
    content_type: str | None = "application/json",
    compress: bool = False,
    **kwargs: Any,
) -> Any | None:
    """``EndpointConfig.request`` (Rasa 3.6) on a kept-alive session; action calls without the domain when possible."""
    body = kwargs.pop("json", None)
    if isinstance(body, dict) and "next_action" in body and isinstance(body.get("domain"), dict):
        full = {**body, "domain_digest": domain_digest(body["domain"])}
        slim = {key: value for key, value in full.items() if key != "domain"}
        try:
            return await _send(self, method, subpath, content_type, compress, slim, kwargs)
        except ClientResponseError as error:
            if error.status != DOMAIN_MISSING:
                raise
        return await _send(self, method, subpath, content_type, compress, full, kwargs)
    return await _send(self, method, subpath, content_type, compress, body, kwargs)


async def _send(
    self: EndpointConfig,
    method: str,
    subpath: str | None,
    content_type: str | None,
    compress: bool,
    body: Any,
    kwargs: dict[str, Any],
) -> Any | None:
    kwargs = dict(kwargs)
    headers = {"Content-Type": content_type} if content_type else {}
    headers.update(kwargs.pop("headers", None) or {})
    headers.update(self.headers or {})
    if body is not None:
        kwargs["data"] = ujson.dumps(body)
    url = concat_url(self.url, subpath)
    sslcontext = ssl.create_default_context(cafile=self.cafile) if self.cafile else None
    params = self.combine_parameters(kwargs)
    timeout = kwargs.pop("timeout", None)
    if timeout is not None and not isinstance(timeout, aiohttp.ClientTimeout):
        timeout = aiohttp.ClientTimeout(total=timeout)
    for attempt in (1, 2):
        try:
            async with _session(self).request(
                method,
                url,
                headers=headers,
                params=params,
                compress=compress,
                ssl=sslcontext,
                timeout=timeout,
                **kwargs,
            ) as response:
                if response.status >= 400:
                    raise ClientResponseError(response.status, response.reason, await response.content.read())
                try:
                    return await response.json(loads=ujson.loads)
                except aiohttp.ContentTypeError:
                    return None
        except _RETRY_ON:
            if attempt == 2:
                raise
    return None  # not reached: the second attempt returns or raises


async def close(endpoint: EndpointConfig) -> None:
    """Close the endpoint's kept-alive session, if it has one (tests; the server just exits)."""
    held = getattr(endpoint, "_clinic_session", None)
    if held is not None and not held[1].closed:
        await held[1].close()
