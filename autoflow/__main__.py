"""``python -m autoflow``: the same as the ``autoflow`` command."""

import sys

from autoflow.cli import main

if __name__ == "__main__":
    sys.exit(main())
