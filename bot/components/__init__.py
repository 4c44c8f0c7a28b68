"""Custom Rasa 3.6 graph components (loaded by path from config.yml)."""
