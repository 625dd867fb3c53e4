"""Where a bench writes its figures: ``--json PATH``."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_json(path: Path | None, figures: Any) -> None:
    """Write ``figures`` to ``path`` as readable JSON (Chinese kept as is), creating its folder; nothing without a path."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
