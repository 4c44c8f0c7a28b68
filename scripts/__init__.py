"""Developer and operator scripts: serving, shell, evaluation, benchmark."""
