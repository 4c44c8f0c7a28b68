"""The action server: custom actions over the procedure knowledge base.

rasa-sdk imports every module of this package and instantiates each action
with no arguments, so nothing heavy happens at import: the knowledge service
is built on first use (or by the server's warm-up) in :mod:`actions.runtime`.
"""
