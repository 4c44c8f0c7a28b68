"""The production entry points: serve the bot (python -m serving), preflight checks, the website, outreach."""
