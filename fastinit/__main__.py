"""``python -m fastinit compare`` / ``python -m fastinit bench`` (fastinit.lab.cli)."""
import sys

from fastinit.lab.cli import main

sys.exit(main())
