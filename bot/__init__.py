"""The Rasa side of the assistant: settings, NLU components, NLG and channels."""
