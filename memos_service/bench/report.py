"""Results land in bench/results/: <name>.json (everything), <name>.md (the table), <name>.png."""

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path("bench/results")


def environment() -> dict[str, Any]:
    import os

    import faiss
    import torch

    return {"when": datetime.now(UTC).isoformat(timespec="seconds"), "python": platform.python_version(),
            "cpus": os.cpu_count(), "machine": platform.machine(), "faiss": faiss.__version__,
            "torch": torch.__version__, "cuda": torch.cuda.is_available()}


def write(name: str, results: dict[str, Any], table: str, figure: Any | None = None, folder: Path = RESULTS) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.json", folder / f"{name}.md"]
    paths[0].write_text(json.dumps({"environment": environment(), **results}, indent=2, default=str) + "\n")
    paths[1].write_text(table + "\n")
    if figure is not None:
        paths.append(folder / f"{name}.png")
        figure.savefig(paths[-1], dpi=120, bbox_inches="tight")
    return paths


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    def cell(value: Any) -> str:
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)
