"""The staff console: accounts, sessions, the conversations in Rasa's tracker store, the answer inspector."""
