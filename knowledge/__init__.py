"""The clinic's procedure knowledge base: pages, parsing, names and the semantic index.

The parsing modules use only the standard library so that both runtimes (the
Rasa server on Python 3.10 and the action server on Python 3.11) can read pages.
The index modules need numpy and sentence-transformers and are imported lazily.
"""
