"""Input channels of the Rasa server: the website's Socket.IO channel and Twilio SMS.

:mod:`bot.channels.sms` and :mod:`bot.channels.store` use only the standard
library, so the outreach command and the tests (Python 3.11) share them with the
Rasa server (Python 3.10); :mod:`bot.channels.twilio` and
:mod:`bot.channels.socketio` run inside the Rasa server.
"""
