"""Input channels of the Rasa server: the website's Socket.IO channel and Twilio SMS.

:mod:`common.sms` and :mod:`common.sms_store` use only the standard
library, so the outreach command and the tests (Python 3.11) share them with the
Rasa server (Python 3.10); :mod:`bot.channels.twilio` and
:mod:`bot.channels.socketio` run inside the Rasa server.
"""
