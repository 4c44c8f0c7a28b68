"""SMS through Twilio: a Rasa input channel at ``/webhooks/twilio/webhook``.

Unlike Rasa's own Twilio connector, it

- answers 403 to a webhook without a valid ``X-Twilio-Signature`` (Twilio's
  ``RequestValidator`` with ``TWILIO_AUTH_TOKEN``; no token configured: every
  webhook is refused);
- uses a keyed hash of the phone number as the Rasa sender id, and logs only
  that (:func:`common.sms.sender_id`, key ``LOG_HASH_KEY``);
- sends plain text in parts of at most 320 characters, cut at sentence ends,
  one after the other, and choices as "Reply 1 for ..." lines; a reply of "1"
  is mapped back to that choice's payload;
- honours STOP / START / HELP: an opted-out number gets nothing until START,
  and the opt-out is kept in SQLite (``SMS_DB``) across restarts;
- forgets the number and the last choices of a conversation the tracker store
  deletes ("forget me", retention: :mod:`bot.forget`); an opt-out is kept, as
  the keyed hash only.

Replies go out through Twilio's REST API (``TWILIO_API_BASE_URL``, a fake API
on loopback in tests). Configured in ``credentials.yml`` with no keys: the
settings come from the environment (:mod:`common.settings`).
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Iterable, List

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot import forget
from bot.channels.guard import clean_message
from common.settings import Settings, settings
from common.sms import (
    Keyword,
    KeywordTexts,
    choice_lines,
    chosen_index,
    keyword_of,
    keyword_texts,
    sender_id,
    split_parts,
)
from common.sms_store import SmsStore

logger = logging.getLogger(__name__)

# The twilio library logs request URLs and headers at INFO; keep it quiet.
logging.getLogger("twilio").setLevel(logging.WARNING)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class TwilioSender:
    """Sends texts through Twilio's REST API, in order, to numbers that did not opt out."""

    def __init__(self, config: Settings, store: SmsStore) -> None:
        self._config = config
        self._store = store
        self._client: Client | None = None

    def _twilio(self) -> Client:
        # Built on first use, inside the server's event loop.
        if self._client is None:
            client = Client(
                self._config.twilio_account_sid or "AC-not-configured",
                self._config.twilio_auth_token or "not-configured",
                http_client=AsyncTwilioHttpClient(pool_connections=False, timeout=15),
            )
            client.api.base_url = self._config.twilio_api_base_url.rstrip("/")
            self._client = client
        return self._client

    async def send(self, sender: str, parts: Iterable[str], even_if_opted_out: bool = False) -> int:
        """Send each part as one text; return how many were accepted by Twilio."""
        if not even_if_opted_out and self._store.opted_out(sender):
            logger.info("sms to %s not sent: opted out", sender)
            return 0
        number = self._store.number(sender)
        if number is None:
            logger.warning("sms to %s not sent: no number is known for it", sender)
            return 0
        sent = 0
        for part in parts:
            try:
                await self._twilio().messages.create_async(to=number, from_=self._config.twilio_number, body=part)
            except TwilioRestException as error:
                # The error's message may quote the number: log its code only.
                logger.error("sms to %s failed: Twilio error %s (HTTP %s)", sender, error.code, error.status)
                break
            except OSError as error:
                logger.error("sms to %s failed: %s", sender, type(error).__name__)
                break
            sent += 1
        logger.info("sms to %s: %d part(s) sent", sender, sent)
        return sent


class TwilioOutput(OutputChannel):
    """Plain-text SMS parts of at most 320 characters; choices as numbered lines."""

    @classmethod
    def name(cls) -> str:
        """The channel's name, also the ``output_channel`` of Rasa's HTTP API."""
        return "twilio"

    def __init__(self, sender: TwilioSender, store: SmsStore) -> None:
        self._sender = sender
        self._store = store

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Send a text, split at sentence ends."""
        await self._sender.send(recipient_id, split_parts(text))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send the text and numbered choices; remember their payloads for the reply."""
        titles = [str(b.get("title", "")) for b in buttons]
        self._store.set_choices(recipient_id, [str(b.get("payload") or b.get("title", "")) for b in buttons])
        await self._sender.send(recipient_id, split_parts(f"{text}\n{choice_lines(titles)}"))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        """Quick replies are choices too."""
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """Images are not sent by SMS; the bot has none."""
        logger.debug("image not sent to %s by SMS", recipient_id)

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        """Only a custom message's ``text`` is sent."""
        if json_message.get("text"):
            await self.send_text_message(recipient_id, str(json_message["text"]))


class TwilioInput(InputChannel):
    """Twilio's incoming-message webhook, with signature checks, keywords and choices."""

    @classmethod
    def name(cls) -> str:
        """The channel's name: its webhook is ``/webhooks/twilio/webhook``."""
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        """Everything comes from the settings; ``credentials.yml`` names the class only."""
        return cls(settings())

    def __init__(self, config: Settings, store: SmsStore | None = None) -> None:
        self._config = config
        self._store = store or SmsStore(config.sms_db)
        self._sender = TwilioSender(config, self._store)
        self._texts: KeywordTexts = keyword_texts(config.response_values())
        self._validator = RequestValidator(config.twilio_auth_token) if config.twilio_auth_token else None
        forget.on_forget("sms store", self._store.forget)
        if self._validator is None:
            logger.warning("TWILIO_AUTH_TOKEN is not set: the Twilio webhook refuses every request")

    def get_output_channel(self) -> OutputChannel:
        """The output channel, also for Rasa's HTTP API (``?output_channel=twilio``)."""
        return TwilioOutput(self._sender, self._store)

    def _signed(self, request: Request) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        if self._validator is None or not signature:
            return False
        url = self._config.twilio_webhook_url or request.url
        return bool(self._validator.validate(url, request.form, signature))

    async def _keyword(self, keyword: Keyword, sender: str) -> None:
        if keyword is Keyword.STOP:
            self._store.opt_out(sender)
            self._store.clear_choices(sender)
            logger.info("sms from %s: opted out", sender)
        elif keyword is Keyword.START:
            self._store.opt_in(sender)
            logger.info("sms from %s: opted in", sender)
        if not self._config.twilio_keyword_replies:
            return
        reply = {Keyword.STOP: self._texts.stop, Keyword.START: self._texts.start, Keyword.HELP: self._texts.help}
        # The one confirmation of an opt-out is allowed (and expected by carriers).
        await self._sender.send(sender, split_parts(reply[keyword]), even_if_opted_out=True)

    def _with_choice(self, sender: str, body: str) -> str:
        """The payload of a numbered choice, else the message itself."""
        choices = self._store.choices(sender)
        self._store.clear_choices(sender)
        index = chosen_index(body, len(choices))
        return choices[index] if index is not None else body

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The webhook and a health route."""
        webhook = Blueprint("clinic_twilio_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._signed(request):
                logger.warning("twilio webhook refused: missing or invalid signature")
                return response.text("invalid signature", status=403)
            phone = request.form.get("From") or ""
            body = (request.form.get("Body") or "").strip()
            if not phone:
                return response.text(EMPTY_TWIML, content_type="text/xml")
            sender = sender_id(phone, self._config.log_hash_key)
            self._store.remember_number(sender, phone)
            opted_out = self._store.opted_out(sender)
            keyword = keyword_of(body, opted_out=opted_out)
            if keyword is not None:
                await self._keyword(keyword, sender)
            elif opted_out:
                logger.info("sms from %s ignored: opted out", sender)
            elif body:
                # Cleaned like the other channels' messages: NUL cannot be stored in PostgreSQL.
                text = clean_message(self._with_choice(sender, body), self._config.max_message_chars)
                logger.info("sms from %s: %d characters", sender, len(body))
                if text:
                    await on_new_message(
                        UserMessage(text, self.get_output_channel(), sender, input_channel=self.name())
                    )
            # Replies go out through the REST API; Twilio gets an empty TwiML answer.
            return response.text(EMPTY_TWIML, content_type="text/xml")

        return webhook
