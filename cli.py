#!/usr/bin/env python3
"""Run the painter CLI from a checkout: ``python cli.py paint photo.jpg``."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from painter.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
