"""What the test suites share.

- ``servers``: the real action server, Rasa server and website, and their settings (a pytest plugin).
- ``databases``: PostgreSQL and Redis on loopback (a pytest plugin).
- ``rest``: :class:`~tests.support.rest.Conversation`, the one client of a running Rasa server.
- ``fakes``: the hashing embedder, a fake Twilio API and a delaying proxy.
- ``markers``: which fixtures mark their tests ``servers``, ``databases``, ``browser``.
- ``coverage_summary``: the per-package coverage line of `make unit` and `make test` (a pytest plugin).
"""
