"""The bundled mock's moods as runner/qc/moods.json holds them (the runner may not import the mock).

python tests/qc/moods_table.py   # rewrites runner/qc/moods.json after a change to the moods
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from motionctl.mock_server.render.audio import MOODS, mood_loop
from motionctl.runner.qc.reference import table_entry

TABLE = Path(__file__).resolve().parents[2] / "runner" / "qc" / "moods.json"


def table() -> dict[str, Any]:
    return {
        "about": "The bundled mock's moods at 100 % volume, per 100 ms from the loop's start: K-weighted "
        "mean square of the 400 ms block starting there (wrapping round), and the sample peak. "
        "Made by tests/qc/moods_table.py from mock_server/render/audio.py.",
        "moods": {m: table_entry(np.asarray(mood_loop(m))) for m in MOODS},
    }


if __name__ == "__main__":
    TABLE.write_text(json.dumps(table(), separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {TABLE}")
