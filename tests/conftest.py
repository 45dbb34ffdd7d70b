import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Tests never touch the user's database or data directory.
os.environ.setdefault("CHECKPOST_DATA_DIR", str(ROOT / ".pytest_data"))
# Demo mode seeds simulated records into an empty store; tests that want them call ui.demo_data directly.
os.environ.setdefault("CHECKPOST_DEMO_RECORDS", "0")
