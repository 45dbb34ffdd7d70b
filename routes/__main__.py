"""python -m routes: see routes/cli.py."""
import sys

from routes.cli import main

sys.exit(main())
