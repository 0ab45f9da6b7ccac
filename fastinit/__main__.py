"""``python -m fastinit compare`` / ``python -m fastinit bench``."""
import sys

from fastinit.cli import main

sys.exit(main())
