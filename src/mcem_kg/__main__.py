"""``python -m mcem_kg`` runs the ``mcem`` command line."""

from mcem_kg.cli import main

main()
