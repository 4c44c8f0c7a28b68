"""Developer tools: evaluation, benchmark, load generation, ask, chat and the staff shell."""
