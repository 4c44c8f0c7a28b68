"""Code both runtimes import: settings, paths, wire formats. Standard library only."""
