"""`memos policy train`: builds the learned manager's weights (`data/manager.safetensors`), Memory-R1
style, on CPU in minutes, reproducibly for a seed.

1. Conversations are generated over the training families (`conversations`), read by the offline
   extractor the service runs, and embedded once by the bundled encoder (frozen).
2. Supervised: every candidate beside every memory its person holds at that moment is labelled by
   the conversation's truth (the same attribute of the speaker with another value: UPDATE; the same
   value: NOOP; the value taken back: DELETE; anything else, other people's facts included: ADD).
3. Outcome reward: episodes (one person's sessions) run the production decision (`LearnedManager`,
   rules first) over an in-memory store; actions are sampled from the policy's softmax and the
   episode is scored as `memos bench updates` scores the service: the current value first for each
   attribute's question, no stale value above it, no retracted value left, no duplicate, no other
   person's fact changed. REINFORCE with a mean baseline moves the network and the ADD margin.
4. The weights kept are those that score best on the dev families' episodes (supervised alone, or
   after outcome tuning); both scores are reported.
"""

import dataclasses
import hashlib
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from memos_service.db.models import Memory
from memos_service.embedding import Embedder
from memos_service.policy.candidates import Candidate, ChatMessage
from memos_service.policy.conversations import Person, Said, people
from memos_service.policy.decisions import Op, Related
from memos_service.policy.families import Family, families_of
from memos_service.policy.heuristic_manager import HeuristicManager
from memos_service.policy.holders import Holders
from memos_service.policy.learned_manager import CLASSES, LearnedManager, PairModel
from memos_service.policy.pair_features import FEATURES

RELATED_LIMIT = 8  # as the service's default `manager_related_limit`


class Extractor(Protocol):  # the pipeline's, without importing the ingestion layer
    def extract(self, messages: Sequence[ChatMessage], speaker: str) -> list[list[Candidate]]: ...


@dataclass
class Fact:
    """A memory of the in-memory store an episode runs over."""

    memory: Memory
    vector: np.ndarray
    origin: Said
    active: bool = True
    about: bool = False  # about someone else than the speaker, as the pipeline marks it for search


@dataclass
class Episode:
    """One person's conversation, read and embedded once."""

    person: Person
    read: list[tuple[Said, list[Candidate]]]  # in order, each sentence's candidates (vectors set)
    questions: dict[str, np.ndarray]  # family -> its question's vector


def read_episodes(persons: list[Person], extractor: Extractor, embedder: Embedder) -> list[Episode]:
    """Every person's sentences through the service's extractor, and every text embedded, in batches."""
    now = datetime(2024, 1, 1, tzinfo=UTC)
    episodes, texts = [], []
    for someone in persons:
        said = [sentence for session in someone.sessions for sentence in session]
        speaker = someone.name.lower()
        messages = [ChatMessage(f"{speaker}-{number}", "user", sentence.text, now) for number, sentence in enumerate(said)]
        found = extractor.extract(messages, speaker)
        episodes.append(Episode(someone, list(zip(said, found, strict=True)), {}))
        texts += [candidate.content for candidates in found for candidate in candidates]
        texts += [family.question.format(name=someone.name) for family in someone.families.values()]
    unique = sorted(set(texts))
    vectors = dict(zip(unique, embedder.embed(unique), strict=True))
    for episode in episodes:
        for _, candidates in episode.read:
            for candidate in candidates:
                candidate.vector = vectors[candidate.content]
        episode.questions = {name: vectors[family.question.format(name=episode.person.name)]
                             for name, family in episode.person.families.items()}
    return episodes


def truth(said: Said, fact: Fact, families: dict[str, Family]) -> Op:
    """What a candidate read from `said` should do to `fact`, by the conversation's truth. What is
    left of a retraction ("Ana has no bike now") is replaced by the attribute's next value."""
    origin = fact.origin
    if said.family is None or origin.family != said.family:
        return Op.add
    if origin.act == "retract":
        return Op.update if said.act == "state" and families[said.family].kind == "one" else Op.add
    if origin.act not in ("state", "repeat"):
        return Op.add
    if said.act in ("state", "repeat"):
        if origin.value == said.value:
            return Op.noop
        return Op.update if families[said.family].kind == "one" else Op.add
    if said.act == "retract" and origin.value == said.value:
        return Op.delete
    return Op.add


def _related(store: list[Fact], vector: np.ndarray) -> list[Related]:
    active = [fact for fact in store if fact.active]
    if not active:
        return []
    similarity = np.stack([fact.vector for fact in active]) @ vector
    order = np.argsort(-similarity, kind="stable")[:RELATED_LIMIT]
    return [Related(ref, active[index].memory, float(similarity[index]), vector=active[index].vector)
            for ref, index in enumerate(order)]


def _memory(candidate: Candidate) -> Memory:
    slot = {name: value for name, value in (("attribute", candidate.attribute), ("value", candidate.value),
                                             ("thing", candidate.thing)) if value is not None}
    return Memory(content=candidate.content, memory_type=candidate.memory_type, metadata_=slot | {"extracted_by": "heuristic"})


def supervised_pairs(episodes: list[Episode], manager: LearnedManager) -> tuple[np.ndarray, np.ndarray]:
    """Features (as `manager` computes them) and labels of every candidate beside every related
    memory, the store kept as the truth says."""
    rows, labels = [], []
    for episode in episodes:
        store: list[Fact] = []
        families = episode.person.families
        for said, candidates in episode.read:
            for candidate in candidates:
                related = _related(store, candidate.vector)
                if related:
                    facts = {id(fact.memory): fact for fact in store}
                    rows.append(manager.features(candidate, related)[0])
                    labels += [CLASSES.index(truth(said, facts[id(memory.memory)], families)) for memory in related]
            _apply_truth(store, said, candidates, families)
    return np.concatenate(rows), np.array(labels, dtype=np.int64)


def _apply_truth(store: list[Fact], said: Said, candidates: list[Candidate], families: dict[str, Family]) -> None:
    mine = [fact for fact in store
            if fact.active and fact.origin.act in ("state", "repeat", "retract") and fact.origin.family == said.family]
    if said.act == "retract":
        for fact in mine:
            fact.active = fact.origin.value != said.value and fact.origin.act != "retract" and fact.active
    elif said.act == "repeat":
        return
    elif said.act == "state" and families[said.family or ""].kind == "one":
        for fact in mine:
            fact.active = False
    store.extend(Fact(_memory(candidate), candidate.vector, said) for candidate in candidates)


def operations_pairs(records: list[dict[str, Any]], manager: LearnedManager, embedder: Embedder) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels from an exported operations log (`memos export-operations`): each decision
    as taken (by the LLM manager, or as corrected), the memory it acted on labelled with its operation
    and every other memory shown with ADD. A deployment retrains on its own decisions so."""
    usable = [record for record in records if record.get("candidate") and record.get("memories")]
    texts = sorted({text for record in usable for text in
                    [record["candidate"]["content"], *(memory["content"] for memory in record["memories"])]})
    vectors = dict(zip(texts, embedder.embed(texts), strict=True)) if texts else {}
    rows, labels = [], []
    for record in usable:
        said = record["candidate"]
        candidate = Candidate(said["content"], said.get("subject") or "", said.get("message_keys") or [],
                              retraction=bool(said.get("retraction")), vector=vectors[said["content"]])
        related = [Related(memory["id"], Memory(content=memory["content"], metadata_={}), memory.get("similarity") or 0.0,
                           vector=vectors[memory["content"]]) for memory in record["memories"]]
        op, target = Op(record["completion"]["operation"]), record["completion"].get("id")
        rows.append(manager.features(candidate, related)[0])
        labels += [CLASSES.index(op if memory.ref == target and op is not Op.add else Op.add) for memory in related]
    if not rows:
        return np.zeros((0, FEATURES), np.float32), np.zeros(0, np.int64)
    return np.concatenate(rows), np.array(labels, dtype=np.int64)


# --- Outcome: an episode through the production decision, scored as the bench scores the service.

Decide = Callable[[Candidate, list[Related]], tuple[Op, int | None]]


@dataclass
class Score:
    top1: list[float] = field(default_factory=list)
    stale_above: list[float] = field(default_factory=list)
    deletion: list[float] = field(default_factory=list)
    duplicates: int = 0
    superseded_active: int = 0
    wrong_changes: int = 0
    decisions: int = 0

    def reward(self) -> float:
        mean = lambda values, default: float(np.mean(values)) if values else default  # noqa: E731
        return (mean(self.top1, 1.0) - mean(self.stale_above, 0.0) - (1 - mean(self.deletion, 1.0))
                - 0.25 * self.duplicates - 0.25 * self.superseded_active - self.wrong_changes)

    def add(self, other: "Score") -> None:
        self.top1 += other.top1
        self.stale_above += other.stale_above
        self.deletion += other.deletion
        self.duplicates += other.duplicates
        self.superseded_active += other.superseded_active
        self.wrong_changes += other.wrong_changes
        self.decisions += other.decisions

    def summary(self) -> dict[str, float]:
        return {"current@1": float(np.mean(self.top1)) if self.top1 else 1.0,
                "stale_above_current": float(np.mean(self.stale_above)) if self.stale_above else 0.0,
                "deletion_compliance": float(np.mean(self.deletion)) if self.deletion else 1.0,
                "duplicates": self.duplicates, "superseded_active": self.superseded_active,
                "wrong_changes": self.wrong_changes, "wrong_change_rate": self.wrong_changes / max(self.decisions, 1),
                "decisions": self.decisions}


def has(text: str, value: str) -> bool:
    """Whether `text` names `value` as a whole word or words: how `memos bench updates` checks a store too."""
    return re.search(rf"\b{re.escape(value.lower())}\b", text.lower()) is not None


def run_episode(episode: Episode, decide: Decide, holders: Holders | None = None) -> Score:
    """The episode through `decide` over an in-memory store, scored; `holders` marks facts about someone else."""
    store: list[Fact] = []

    def about(candidate: Candidate) -> bool:
        return holders is not None and "'s " in holders.of(candidate.content, candidate.subject)

    score = Score()
    for said, candidates in episode.read:
        for candidate in candidates:
            related = _related(store, candidate.vector)
            op, target = decide(candidate, related)
            score.decisions += 1
            chosen = next(fact for fact in store if fact.memory is related[target].memory) if target is not None else None
            if chosen is not None and op in (Op.update, Op.delete) and truth(said, chosen, episode.person.families) is not op:
                score.wrong_changes += chosen.origin.act == "other" or chosen.origin.family != said.family
            if op is Op.add:
                store.append(Fact(_memory(candidate), candidate.vector, said, about=about(candidate)))
            elif op is Op.update and chosen is not None:
                chosen.memory = _memory(candidate)
                chosen.vector, chosen.origin, chosen.about = candidate.vector, said, about(candidate)
            elif op is Op.delete and chosen is not None:
                chosen.active = False
    person = episode.person
    active = [fact for fact in store if fact.active]
    for name in person.families:
        current, stale = person.current[name], person.stale[name]
        if current and active:
            # As search ranks them: a fact about someone else than asked for down (`search_weight_about`).
            similarity = (np.stack([fact.vector for fact in active]) @ episode.questions[name]
                          * np.array([0.5 if fact.about else 1.0 for fact in active]))
            ranked = [active[index].memory.content for index in np.argsort(-similarity, kind="stable")]
            current_rank = next((rank for rank, text in enumerate(ranked) if any(has(text, value) for value in current)), None)
            stale_rank = next((rank for rank, text in enumerate(ranked) if any(has(text, value) for value in stale)), None)
            score.top1.append(float(current_rank == 0))
            if stale:
                score.stale_above.append(float(stale_rank is not None and (current_rank is None or stale_rank < current_rank)))
            for value in current:  # facts that state it; a mention in passing is no copy
                score.duplicates += max(0, sum(has(fact.memory.content, value) for fact in active
                                               if fact.origin.act in ("state", "repeat")) - 1)
        score.superseded_active += sum(has(fact.memory.content, value) for fact in active for value in stale
                                       if fact.origin.act != "other"
                                       and not any(has(fact.memory.content, now) for now in current))
        for value in person.retracted[name]:
            score.deletion.append(float(not any(has(fact.memory.content, value) for fact in active
                                                if fact.origin.act in ("state", "repeat"))))
    return score


def greedy(manager: LearnedManager) -> Decide:
    def decide(candidate: Candidate, related: list[Related]) -> tuple[Op, int | None]:
        decision = manager.decide(candidate, related).decision
        return decision.op, decision.target
    return decide


def greedy_rules(rules: HeuristicManager) -> Decide:
    def decide(candidate: Candidate, related: list[Related]) -> tuple[Op, int | None]:
        decision = rules.decide(candidate, related).decision
        return decision.op, decision.target
    return decide


def evaluate(episodes: list[Episode], decide: Decide, holders: Holders | None = None) -> dict[str, float]:
    """The scores over all episodes, and the mean reward of one."""
    total, rewards = Score(), []
    for episode in episodes:
        score = run_episode(episode, decide, holders)
        rewards.append(score.reward())
        total.add(score)
    return total.summary() | {"reward": float(np.mean(rewards))}


# --- Training.

@dataclass(frozen=True)
class Budget:
    train_people: int = 1500
    dev_people: int = 200
    epochs: int = 40
    outcome_episodes: int = 1500
    hidden: int = 32
    seed: int = 7


def _seed_everything(seed: int) -> Any:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # deterministic sums, and a 2-core machine
    return torch


def _network(torch: Any, hidden: int) -> Any:
    return torch.nn.Sequential(torch.nn.Linear(FEATURES, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, len(CLASSES)))


def _as_model(network: Any, add_margin: float, version: str) -> PairModel:
    first, last = network[0], network[2]
    array = lambda tensor: tensor.detach().numpy().astype(np.float32).copy()  # noqa: E731
    return PairModel(array(first.weight), array(first.bias), array(last.weight), array(last.bias), float(add_margin), version)


def supervised(torch: Any, network: Any, features: np.ndarray, labels: np.ndarray, budget: Budget) -> Any:
    inputs, targets = torch.from_numpy(features), torch.from_numpy(labels)
    counts = np.bincount(labels, minlength=len(CLASSES)).astype(np.float64)
    # Rarer classes weigh more, by the square root of their rarity: ADD is most of the pairs.
    weights = torch.tensor(np.sqrt(counts.sum() / np.maximum(counts, 1)) / len(CLASSES), dtype=torch.float32)
    loss_of = torch.nn.CrossEntropyLoss(weight=weights)
    optimiser = torch.optim.Adam(network.parameters(), lr=2e-3, weight_decay=1e-4)
    generator = torch.Generator().manual_seed(budget.seed)
    for _ in range(budget.epochs):
        for batch in torch.randperm(len(inputs), generator=generator).split(256):
            optimiser.zero_grad()
            loss_of(network(inputs[batch]), targets[batch]).backward()
            optimiser.step()
    return network


MARGINS = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0)
# A wrong UPDATE or DELETE of another fact, or another person's, is the costliest mistake: at most
# this share of the decisions on the dev episodes, whatever else a lower margin would gain.
WRONG_CHANGE_BUDGET = 0.005


def calibrated(manager: LearnedManager, model: PairModel, episodes: list[Episode]) -> tuple[PairModel, dict[str, float]]:
    """The model with the margins that score best on the dev episodes within WRONG_CHANGE_BUDGET (the
    most careful where none is), and that score: first the margin of every action (of the model's own
    and `MARGINS`), then DELETE's own, no higher (a retraction names what it takes back; leaving it
    costs the person what they asked for)."""
    def best(candidates: list[PairModel]) -> tuple[PairModel, dict[str, float]]:
        scored = [(evaluate(episodes, greedy(manager.with_model(candidate)), manager.holders), candidate)
                  for candidate in candidates]
        within = [pair for pair in scored if pair[0]["wrong_change_rate"] <= WRONG_CHANGE_BUDGET]
        score, chosen = (max(within, key=lambda pair: pair[0]["reward"]) if within
                         else min(scored, key=lambda pair: pair[0]["wrong_change_rate"]))
        return chosen, score

    tied, _ = best([dataclasses.replace(model, add_margin=margin, delete_margin=None)
                    for margin in sorted({model.add_margin, *MARGINS})])
    return best([dataclasses.replace(tied, delete_margin=margin) for margin in MARGINS if margin <= tied.add_margin])


def outcome_tuning(torch: Any, network: Any, add_margin: float, episodes: list[Episode], manager: LearnedManager,
                   budget: Budget) -> tuple[Any, float]:
    """REINFORCE on the episode's reward: each decision the network makes (the rules' are fixed) is
    sampled from the softmax over ADD (score: the margin) and each memory's actions (their log-odds
    over ADD); every sampled decision of an episode is credited with its reward less the mean."""
    margin = torch.tensor(float(add_margin), requires_grad=True)
    optimiser = torch.optim.Adam([*network.parameters(), margin], lr=3e-4)
    rng = np.random.default_rng(budget.seed)
    baseline = None
    for step in range(budget.outcome_episodes):
        episode = episodes[step % len(episodes)]
        log_probs: list[Any] = []

        def sample(features: np.ndarray, allowed: np.ndarray, log_probs: list[Any] = log_probs) -> tuple[int, Op] | None:
            if not allowed.any():
                return None
            logits = network(torch.from_numpy(features))
            odds = (logits[:, 1:] - logits[:, :1]).masked_fill(torch.from_numpy(~allowed)[:, None], -1e9)
            scores = torch.cat([margin.reshape(1), odds.reshape(-1)])
            distribution = torch.distributions.Categorical(logits=scores)
            probabilities = distribution.probs.detach().numpy().astype(np.float64)
            action = int(rng.choice(len(scores), p=probabilities / probabilities.sum()))
            log_probs.append(distribution.log_prob(torch.tensor(action)))
            if action == 0:
                return None
            row, column = divmod(action - 1, len(CLASSES) - 1)
            return row, CLASSES[1 + column]

        def decide(candidate: Candidate, related: list[Related], log_probs: list[Any] = log_probs) -> tuple[Op, int | None]:
            sampled = len(log_probs)
            outcome = manager.decide(candidate, related, pick=sample)  # the production decision, sampling the model
            if outcome.policy != manager.name:
                del log_probs[sampled:]  # the rules decided: the sample took no effect
            return outcome.decision.op, outcome.decision.target

        reward = run_episode(episode, decide, manager.holders).reward()
        baseline = reward if baseline is None else 0.95 * baseline + 0.05 * reward
        if log_probs:
            optimiser.zero_grad()
            (-(reward - baseline) * torch.stack(log_probs).sum()).backward()
            optimiser.step()
    return network, float(margin.detach())


def _preferred(score: dict[str, float]) -> tuple[bool, float]:
    """Within the wrong-change budget first, then the reward."""
    return score["wrong_change_rate"] <= WRONG_CHANGE_BUDGET, score["reward"]


@dataclass
class TrainingReport:
    seconds: float
    pairs: int
    classes: dict[str, int]
    dev_pair_accuracy: float
    rules_dev: dict[str, float]
    supervised_dev: dict[str, float]
    outcome_dev: dict[str, float] | None
    kept: str
    sha256: str
    bytes: int

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def train(embedder: Embedder, extractor: Extractor, rules: HeuristicManager, output: Path, budget: Budget = Budget(),
          log: Callable[[str], None] = lambda _: None, operations: list[dict[str, Any]] | None = None) -> TrainingReport:
    """`operations`: records of an exported operations log, learned from beside the generated conversations."""
    started = time.perf_counter()
    torch = _seed_everything(budget.seed)
    train_families, dev_families = families_of("train"), families_of("dev")
    log(f"reading {budget.train_people} training and {budget.dev_people} dev conversations")
    train_episodes = read_episodes(people(budget.train_people, train_families, budget.seed, facts=4, sessions=4),
                                   extractor, embedder)
    dev_episodes = read_episodes(people(budget.dev_people, dev_families, budget.seed + 1, facts=4, sessions=4),
                                 extractor, embedder)
    network = _network(torch, budget.hidden)
    manager = LearnedManager(_as_model(network, 0.5, "untrained"), embedder, rules)
    features, labels = supervised_pairs(train_episodes, manager)
    if operations:
        logged, logged_labels = operations_pairs(operations, manager, embedder)
        log(f"{len(logged_labels)} pairs from {len(operations)} logged decisions")
        features, labels = np.concatenate([features, logged]), np.concatenate([labels, logged_labels])
    dev_features, dev_labels = supervised_pairs(dev_episodes, manager)
    log(f"{len(labels)} training pairs {dict(Counter(CLASSES[label].value for label in labels))}")
    network = supervised(torch, network, features, labels, budget)
    with torch.no_grad():
        dev_accuracy = float((network(torch.from_numpy(dev_features)).argmax(1).numpy() == dev_labels).mean())
    version = f"learned-{budget.seed}"
    rules_dev = evaluate(dev_episodes, greedy_rules(rules), manager.holders)
    log(f"rules alone: dev episodes {rules_dev}")
    kept, supervised_dev = calibrated(manager, _as_model(network, 0.5, version + "-supervised"), dev_episodes)
    log(f"supervised: dev pair accuracy {dev_accuracy:.3f}, margins {kept.margins().tolist()}, dev episodes {supervised_dev}")
    outcome_dev = None
    if budget.outcome_episodes:
        network, margin = outcome_tuning(torch, network, kept.add_margin, train_episodes, manager, budget)
        tuned, outcome_dev = calibrated(manager, _as_model(network, margin, version + "-outcome"), dev_episodes)
        log(f"outcome-tuned: margins {tuned.margins().tolist()}, dev episodes {outcome_dev}")
        if _preferred(outcome_dev) > _preferred(supervised_dev):
            kept = tuned
    output.parent.mkdir(parents=True, exist_ok=True)
    kept.save(output)
    data = output.read_bytes()
    classes = dict(Counter(CLASSES[label].value for label in labels))
    return TrainingReport(time.perf_counter() - started, len(labels), classes, dev_accuracy, rules_dev, supervised_dev,
                          outcome_dev, kept.version, hashlib.sha256(data).hexdigest(), len(data))
