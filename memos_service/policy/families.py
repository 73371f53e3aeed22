"""Attribute families: what people say about one attribute of theirs, as data. The learned manager
is trained on one set (`data/train_families.json`), its weights chosen on another
(`data/dev_families.json`), and `memos bench updates` judges it on a third written before both
(`memos_service/bench/families/held_out.json`). Nothing in the code names a family."""

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

Split = Literal["train", "dev"]


@dataclass(frozen=True)
class Family:
    family: str
    kind: Literal["one", "several"]  # one: a new value replaces the old; several: values accumulate
    question: str  # "{name}" is the person asked about
    values: tuple[str, ...]
    states: tuple[str, ...]  # "{value}" is the speaker's value
    changes: tuple[str, ...]
    retractions: tuple[str, ...]
    others: tuple[str, ...]  # the same attribute of someone the speaker talks about

    def frames(self) -> list[str]:
        return [*self.states, *self.changes, *self.retractions, *self.others]


def load_families(path: Path | str) -> list[Family]:
    data = json.loads(Path(path).read_text())
    return [Family(entry["family"], entry["kind"], entry["question"], *(tuple(entry[name]) for name in
                   ("values", "states", "changes", "retractions", "others"))) for entry in data["families"]]


def families_of(split: Split) -> list[Family]:
    """The families shipped with the package for training (`train`) or choosing weights (`dev`)."""
    return load_families(Path(str(resources.files("memos_service.policy") / "data" / f"{split}_families.json")))
