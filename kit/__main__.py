"""``python -m kit tree PATH`` and ``python -m kit diff A B``: see kit/cli.py."""

import sys

from kit.cli import main

sys.exit(main())
