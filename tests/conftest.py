import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Tests never touch the user's database or data directory.
os.environ.setdefault("CHECKPOST_DATA_DIR", str(ROOT / ".pytest_data"))
