"""``python -m painter``: the command line."""
from .cli import main

main()
