"""The learned offline manager: a small network over the bundled encoder decides, for a candidate
beside each related memory, whether it changes that memory (UPDATE), repeats it (NOOP), takes it
back (DELETE) or is about something else (ADD), for any attribute of any subject. Its weights are a
safetensors file shipped in the package (`data/manager.safetensors`, built by `memos policy train`).

The rules of `heuristic_manager` still decide first where they act on a property they read, or on a
value or thing taken back; the network decides the rest. Grammar stays hand-written and above both:
another person's fact never changes for the speaker's (`holders`), and a correction updates the
fact holding the value it corrects. When unsure, ADD: an action on a memory is taken only when its
log-odds over ADD pass the learned margin (`add_margin`, and `delete_margin` for DELETE; chosen on
the dev families)."""

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

from memos_service.embedding import Embedder
from memos_service.policy.candidates import Candidate
from memos_service.policy.decisions import Decision, Op, Outcome, Related
from memos_service.policy.heuristic_manager import HeuristicManager, mentions
from memos_service.policy.holders import holders_for
from memos_service.policy.pair_features import FEATURES, names, pair_features

Pick = Callable[[np.ndarray, np.ndarray], "tuple[int, Op] | None"]
NAME_CACHE = 50_000  # embedded names kept per process (384 floats each: about 77 MB at most)
# The pair model's classes, in the order of its outputs.
CLASSES = (Op.add, Op.update, Op.noop, Op.delete)


def shipped_weights() -> Path:
    return Path(str(resources.files("memos_service.policy") / "data" / "manager.safetensors"))


@dataclass(frozen=True)
class PairModel:
    """A one-hidden-layer network: features of (candidate, memory) -> logits over CLASSES."""

    hidden_weight: np.ndarray  # (hidden, features)
    hidden_bias: np.ndarray
    out_weight: np.ndarray  # (classes, hidden)
    out_bias: np.ndarray
    add_margin: float  # log-odds over ADD that an UPDATE or a NOOP must pass
    version: str
    delete_margin: float | None = None  # ... that a DELETE must pass; add_margin where None

    def margins(self) -> np.ndarray:
        """The margin of each action on a memory, in the order of CLASSES[1:]."""
        delete = self.add_margin if self.delete_margin is None else self.delete_margin
        return np.array([self.add_margin, self.add_margin, delete], dtype=np.float32)

    def logits(self, features: np.ndarray) -> np.ndarray:
        hidden = np.maximum(features @ self.hidden_weight.T + self.hidden_bias, 0.0)
        return hidden @ self.out_weight.T + self.out_bias

    def save(self, path: Path) -> None:
        save_file({"hidden.weight": self.hidden_weight, "hidden.bias": self.hidden_bias, "out.weight": self.out_weight,
                   "out.bias": self.out_bias, "add_margin": np.array([self.add_margin], dtype=np.float32),
                   **({} if self.delete_margin is None else
                      {"delete_margin": np.array([self.delete_margin], dtype=np.float32)})},
                  # One metadata key: safetensors writes several in no fixed order, and the file must be
                  # the same bytes for the same seed.
                  str(path), metadata={"policy": json.dumps({"version": self.version,
                                                             "classes": [op.value for op in CLASSES]})})

    @classmethod
    def load(cls, path: Path) -> "PairModel":
        from safetensors import safe_open

        with safe_open(str(path), framework="numpy") as opened:
            version = json.loads((opened.metadata() or {}).get("policy", "{}")).get("version", "unknown")
        tensors = load_file(str(path))
        delete = float(tensors["delete_margin"][0]) if "delete_margin" in tensors else None
        return cls(tensors["hidden.weight"], tensors["hidden.bias"], tensors["out.weight"], tensors["out.bias"],
                   float(tensors["add_margin"][0]), version, delete)


@lru_cache(maxsize=4)
def load_pair_model(path: Path | None = None) -> PairModel:
    """The shipped weights by default, read once per process."""
    return PairModel.load(path or shipped_weights())


@lru_cache(maxsize=4)
def _name_vectors_for(embedder: Embedder) -> dict[str, np.ndarray]:
    """Embedded names, kept per process from job to job (a memory's were embedded as it was a candidate)."""
    return {}


def choose(logits: np.ndarray, margins: np.ndarray, allowed: np.ndarray) -> tuple[int, Op] | None:
    """The memory and action whose log-odds over ADD pass their margin (`PairModel.margins`) by the
    most, among the `allowed` memories; None (ADD) when none passes."""
    passed = np.where(allowed[:, None], logits[:, 1:] - logits[:, :1] - margins, -np.inf)
    if passed.size == 0 or not (passed > 0).any():
        return None
    row, column = np.unravel_index(int(np.argmax(passed)), passed.shape)
    return int(row), CLASSES[1 + int(column)]


class LearnedManager:
    name = "learned"

    def __init__(self, model: PairModel, embedder: Embedder, rules: HeuristicManager | None = None):
        self.model = model
        self.embedder = embedder
        self.rules = rules
        self.holders = holders_for(embedder)
        self._name_vectors = _name_vectors_for(embedder)

    def with_model(self, model: PairModel) -> "LearnedManager":
        """The same manager with other weights."""
        return LearnedManager(model, self.embedder, self.rules)

    def decide(self, candidate: Candidate, related: Sequence[Related], pick: Pick | None = None) -> Outcome:
        """`pick`: how the model's choice is made from the features and the memories it may act on;
        the greedy choice by default (`learning` samples instead)."""
        started = time.perf_counter()
        ruled = self.ruled(candidate, related)
        if ruled is not None and not self._similar_only(candidate, ruled.decision):
            return ruled
        decision = self.corrected(candidate, related) or self.decide_by_model(candidate, related, pick)
        if ruled is not None and not (decision.op in (Op.update, Op.delete) and decision.target == ruled.decision.target):
            return ruled  # a near copy stays a NOOP unless the model changes or takes back that very memory
        return Outcome(decision, self.name, model=self.model.version, latency_ms=(time.perf_counter() - started) * 1000)

    def ruled(self, candidate: Candidate, related: Sequence[Related]) -> Outcome | None:
        """The rules' decision where they act on a memory; None where the model decides. Of a candidate
        setting no property they read, only on a memory of its holder (a property they read names its
        holder already: "sister's residence")."""
        if self.rules is None:
            return None
        outcome = self.rules.decide(candidate, related)
        decision = outcome.decision
        if decision.op is Op.add or decision.target is None:
            return None
        return outcome if candidate.attribute or self.whose(candidate, related[decision.target]) else None

    @staticmethod
    def _similar_only(candidate: Candidate, decision: Decision) -> bool:
        """A NOOP of the rules by similarity alone, of a candidate setting no property they read: "Amara
        and I are divorced" is near "Ana is married to Amara" and says all its names, and takes it back."""
        return decision.op is Op.noop and not candidate.attribute and not candidate.retraction

    def corrected(self, candidate: Candidate, related: Sequence[Related]) -> Decision | None:
        """A correction ("I'm not allergic to peanuts, it turned out to be cashews") updates the fact of
        its holder that holds the value it corrects."""
        wrong = candidate.details.get("corrects")
        held = [memory for memory in related
                if wrong and mentions(memory.memory.content, wrong) and self.whose(candidate, memory)]
        if not held:
            return None
        target = max(held, key=lambda memory: memory.similarity)
        return Decision(Op.update, target.ref, candidate.content, f"corrects {wrong!r}")

    def whose(self, candidate: Candidate, memory: Related) -> bool:
        """Whether the memory is about whom the candidate is: another person's fact never changes for the speaker's."""
        mine = self.holders.of(candidate.content, candidate.subject)
        return not mine or self.holders.of(memory.memory.content, candidate.subject) in (mine, "")

    def decide_by_model(self, candidate: Candidate, related: Sequence[Related], pick: Pick | None = None) -> Decision:
        features, allowed = self.features(candidate, related)
        logits = self.model.logits(features)
        chosen = pick(features, allowed) if pick is not None else choose(logits, self.model.margins(), allowed)
        if chosen is None:
            if candidate.retraction:
                return Decision(Op.noop, reason="retraction of nothing known")
            return Decision(Op.add, reason="about nothing known (learned)")
        row, op = chosen
        odds = (logits[row, 1:] - logits[row, 0]).round(2).tolist()
        return Decision(op, related[row].ref, candidate.content if op is Op.update else None,
                        f"{op.value.lower()} (learned; log-odds over ADD of UPDATE, NOOP, DELETE: {odds})")

    def features(self, candidate: Candidate, related: Sequence[Related]) -> tuple[np.ndarray, np.ndarray]:
        """The pair features of the candidate beside each related memory, and which memories it may act on."""
        if not related:
            return np.zeros((0, FEATURES), np.float32), np.zeros(0, bool)
        vectors = self._vectors([candidate.vector, *(memory.vector for memory in related)],
                                [candidate.content, *(memory.memory.content for memory in related)])
        texts = [candidate.content, *(memory.memory.content for memory in related)]
        self._embed_names([names(text, candidate.subject) for text in texts])
        features = pair_features(vectors[0], vectors[1:], candidate.content, texts[1:], candidate.subject, candidate.retraction,
                                 self.holders, self._name_vectors.get)
        # Never a memory of another holder; and where the rules read a property, in the candidate or the
        # memory, it is theirs to decide. Measured with `memos bench updates --people 120` against the
        # rules alone (12 pools, 412 questions): the model acting there too lost 8 questions (14 with
        # this model); acting only where neither side reads as another property than the other, 3 (6);
        # acting nowhere the rules read a property, 1. It costs the dev families 0.82 -> 0.75 current@1
        # in `memos policy train`'s episodes: the rules read "favourite author" and "husband" but do not
        # update them as well.
        return features, np.array([self.whose(candidate, memory) and not (candidate.attribute or memory.attribute)
                                   for memory in related])

    def _embed_names(self, said: list[str]) -> None:
        """Embeds, in one batch, the names not embedded before (a memory's were, as it was a candidate)."""
        new = sorted({text for text in said if text and text not in self._name_vectors})
        if len(self._name_vectors) + len(new) > NAME_CACHE:
            self._name_vectors.clear()
        self._name_vectors.update(zip(new, self.embedder.embed(new), strict=True) if new else ())

    def _vectors(self, given: list[np.ndarray | None], texts: list[str]) -> np.ndarray:
        """The vectors the pipeline already has; the rest embedded here, in one batch."""
        missing = [number for number, vector in enumerate(given) if vector is None]
        embedded = self.embedder.embed([texts[number] for number in missing]) if missing else []
        found = dict(zip(missing, embedded, strict=True))
        return np.stack([np.asarray(vector if vector is not None else found[number], dtype=np.float32)
                         for number, vector in enumerate(given)])
