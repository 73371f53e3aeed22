"""The search pipeline: candidates from each retriever, fused, adjusted, cut to top_k.

- dense: a memory scores the best cosine of its whole text and its passages (`passages.py`).
  The cube's FAISS index, over-fetching until top_k memories pass the filters (or the
  index is exhausted); a filter narrow enough to count cheaply is answered exactly by pgvector
  instead, so a small user inside a large cube still gets exactly k results when k exist, and one
  between the two (few of the nearest pass it) by the index among the memories that pass it.
- lexical: Postgres full-text search over the generated tsvector, rare words weighted up, with
  bounded work per query word (`db/full_text.py`).
- hybrid: fusion of both (scaled scores, or reciprocal ranks), then boosts for a time the query names, entities it
  names, recency and importance (weights are settings); then the best conversation turns share their
  score with the turns around them in their sessions.
"""

import functools
import math
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import numpy as np

from gpu_index import CubeIndex, IndexManager
from memos_service.config import Settings
from memos_service.cube.kinds import EPISODE
from memos_service.db.memories import MemoryFilter, MemoryRepository, ScoredMemory
from memos_service.db.models import Cube, Memory
from memos_service.embedding import Embedder
from memos_service.policy.statements import answers_property, asks_for_a_property
from memos_service.retrieval.index_source import PostgresChangeSource
from memos_service.retrieval.temporal import TimeRange, parse_time_range

Mode = Literal["hybrid", "dense", "lexical"]
# A filter passing fewer than one in this many of the memories at hand is narrow: the index's nearest
# hold few of them, so they are searched among (an ID selector), and read through the filter's own index.
_NARROW = 10
# Threads that embed queries and ask indexes beside the request's own thread (see `Searcher.search`).
# They never touch the database, so they cannot wait on a connection a request holds.
_HELPERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="search-helper")
_NAME = re.compile(r"\b[A-Z][a-zA-Z'’-]+\b")
_POSSESSIVE = re.compile(r"['’]s?$")
_TOKEN = re.compile(r"[\w'’-]+")
# Capitalised words that start questions and sentences rather than name anyone.
_NOT_NAMES = {"what", "when", "where", "who", "whom", "whose", "which", "why", "how", "did", "does", "do", "is", "are",
              "was", "were", "has", "have", "had", "can", "could", "would", "should", "will", "the", "a", "an", "in",
              "on", "at", "i", "my", "me", "we", "our", "you", "your", "he", "she", "they", "it", "and", "or", "but",
              "if", "tell", "list", "name", "describe", "please", "any", "according", "also", "after", "before"}


@dataclass(frozen=True)
class SearchOptions:
    text: str
    top_k: int
    mode: Mode = "hybrid"
    filters: MemoryFilter = field(default_factory=MemoryFilter)
    min_score: float | None = None
    now: datetime | None = None


@dataclass
class Hit:
    memory: Memory
    score: float
    parts: dict[str, float]


# A question names a few people; a query of 1,000 capitalised words took 34.9 s per search when each
# name was a regex over every hit, and two of them raised other tenants' median search 35 -> 301 ms.
MAX_QUERY_NAMES = 16


def query_entities(text: str) -> set[str]:
    """The names a query holds, lower-cased, the first MAX_QUERY_NAMES of them."""
    names = dict.fromkeys(_POSSESSIVE.sub("", word).lower() for word in _NAME.findall(text))
    return set([name for name in names if name not in _NOT_NAMES][:MAX_QUERY_NAMES])


class Searcher:
    def __init__(self, memories: MemoryRepository, indexes: IndexManager, embedder: Embedder, settings: Settings):
        self.memories = memories
        self.indexes = indexes
        self.embedder = embedder
        self.settings = settings
        self._vectors: dict[str, Future[np.ndarray]] = {}

    def start_embedding(self, text: str) -> None:
        """Embeds the query on a helper thread from now, while the caller's thread reads the database
        (the cube, the index's catch-up): a search then waits for the rest of the embedding only."""
        if text not in self._vectors:
            # Submitted before any helper task that waits for it (`_nearest`): the pool takes tasks in
            # order, so a waiting helper never holds the thread its embedding needs.
            self._vectors[text] = _HELPERS.submit(lambda: self.embedder.embed([text])[0])

    def search(self, cube: Cube, options: SearchOptions) -> list[Hit]:
        # Fusion needs deep lists to find what both retrievers rank moderately; one retriever alone does not.
        pool = max(50, 3 * options.top_k) if options.mode == "hybrid" else options.top_k
        if options.mode in ("hybrid", "dense"):
            self.start_embedding(options.text)  # while the filters are counted and the index catches up
        # The index is caught up at most once per search, and only if used (a narrow filter's dense
        # search is exact; full-text search asks it for the cube's size).
        index = functools.cache(lambda: self.indexes.index_for(cube.id, PostgresChangeSource(self.memories.session),
                                                               owner=cube.tenant_id))
        # A small cube has no index: exact search in Postgres answers, and full-text search counts the cube itself.
        # A cube whose index is in memory was large when it was loaded: it is not counted again each search.
        small = None if self.indexes.holds(cube.id) else self.memories.count_searchable(cube, self.settings.index_min_memories)
        if small is not None:
            matching, expected = self.memories.matching_ids(cube, options.filters, cap=small), small
        else:
            matching, expected = self._scope(cube, options)
        collection_size = functools.cache(lambda: small if small is not None else index().live)
        exact = matching is not None and (small is not None or len(matching) <= self.settings.exact_search_limit)
        # The share of the index's memories the filters are expected to pass sizes its first answer.
        share = 1.0 if exact or expected is None else min(1.0, expected / max(index().live, 1))
        # A filter known to pass few of the index's memories goes straight to an ID selector over them:
        # the index's first answer would hold few of them anyway (at 1% of 1M memories, asking it first
        # cost 22 ms of a 48 ms hybrid search).
        among = (matching if matching is not None and not exact and len(matching) <= self.settings.filtered_search_id_limit
                 and _NARROW * len(matching) < index().live else None)
        dense = lexical = []
        nearest = None
        if options.mode in ("hybrid", "dense"):
            # Embedding the query and asking the index need no database, so they run on a helper thread
            # while this one waits on Postgres's full-text search: a hybrid search then costs about the
            # slower of the two rather than their sum. The index is caught up here first (it reads the
            # change log through this request's session, which stays on this thread).
            work = functools.partial(self._nearest, options.text, None if exact else index(), pool, among, share)
            nearest = _HELPERS.submit(work).result if options.mode == "hybrid" else work
        if options.mode in ("hybrid", "lexical"):
            # Rare words weigh more, rare in the cube (its index's searchable memories), also under a
            # filter: within one user's memories their name is in every one, yet it still tells theirs
            # apart. A narrow filter leaves few enough memories to weigh every word of: one pass over
            # them costs what the filter passes, where sampling each word's holders in the whole cube
            # costs what the commonest word holds (10k of 1M memories: 16-20 ms against up to 77).
            whole_scope = matching is not None and len(matching) <= self.settings.lexical_scope_limit
            cap = None if whole_scope else self.settings.lexical_term_cap
            # A filter passing a tenth or more is checked on each word's holders, not read through its index.
            lexical = self.memories.search_lexical(cube, options.text, options.filters, limit=pool, cap=cap,
                                                   collection_size=collection_size(),
                                                   filter_indexes=whole_scope or share < 1 / _NARROW)
        if nearest is not None:
            vector, found = nearest()
            if found is None:
                dense = self.memories.search_dense(cube, vector, options.filters, pool)
            elif among is not None:
                dense = self._kept_among(cube, vector, options.filters, pool, among, found)
            else:
                dense = self.dense(cube, index(), vector, options.filters, pool, found, matching, share)
        if options.mode == "dense":
            hits = [Hit(hit.memory, hit.score, {"dense": hit.score}) for hit in dense]
        elif options.mode == "lexical":
            hits = [Hit(hit.memory, hit.score, {"lexical": hit.score}) for hit in lexical]
        else:
            hits = self._with_neighbours(cube, self._fuse(dense, lexical, options), options)
        if options.min_score is not None:
            hits = [hit for hit in hits if hit.score >= options.min_score]
        return hits[: options.top_k]

    def _scope(self, cube: Cube, options: SearchOptions) -> tuple[list[int] | None, int | None]:
        """What the filters leave of the cube: the ids of its memories when few enough to search all
        of (exactly by vector, or every word's holders among them), else None; and how many they are,
        or are expected to be (None with no filter). Ids rather than a count (10k of 1M memories:
        3.2 ms against 2.2), so that dense search can go straight to an ID selector over them; read no
        further than the mode's retrievers need: dense search alone takes no more than exact search
        does, since where several filters meet, each id may be a table row to read (10k of a third of
        1M memories, before memory types had an index: 27 ms), more than asking the index first costs."""
        if not options.filters.narrows():
            return None, None
        exact, lexical = self.settings.exact_search_limit, self.settings.lexical_scope_limit
        limit = {"dense": exact, "lexical": lexical}.get(options.mode, max(exact, lexical))
        # The planner's estimate first: one far past the limit spares reading ids only to learn that
        # (a third of 1M memories: 0.3 ms against 25). Twice the limit leaves room for its error; one
        # too low costs only this read, one too high a search that weighs fewer words exactly.
        expected = self.memories.estimated_matching(cube, options.filters)
        if expected > 2 * limit:
            return None, expected
        matching = self.memories.matching_ids(cube, options.filters, cap=limit)
        return (matching, len(matching)) if len(matching) <= limit else (None, max(expected, len(matching)))

    def _nearest(self, text: str, index: CubeIndex | None, n: int, among: list[int] | None,
                 share: float) -> tuple[np.ndarray, list[tuple[int, float]] | None]:
        """The query's vector, and the index's first answer for `dense`, or its n nearest among the
        given memories (None when there is no index to ask)."""
        self.start_embedding(text)
        vector = self._vectors[text].result()
        if index is None:
            return vector, None
        if among is not None:
            return vector, index.search_among(vector, n, among)
        return vector, index.search(vector, _first_fetch(n, share))

    def dense(self, cube: Cube, index: CubeIndex, vector: np.ndarray, filters: MemoryFilter, n: int,
              found: list[tuple[int, float]] | None = None, matching: list[int] | None = None,
              share: float = 1.0) -> list[ScoredMemory]:
        """The n nearest memories that pass the filters, asking the index for more until n pass or
        it has no more, or, where few of its first answer pass, searching among those that pass
        (`_among`). `found`: its answer for `_first_fetch(n, share)`, when already asked; `matching`:
        the ids of those that pass, when already read; `share`: of the index, expected to pass."""
        fetch = first = _first_fetch(n, share)
        found = index.search(vector, fetch) if found is None else found
        while True:
            kept = self._passing(cube, found, filters)
            if len(kept) >= n or len(found) < fetch:
                return kept[:n]
            if fetch == first and _NARROW * len(kept) < len(found) and filters.narrows():
                # Few of the nearest pass the filter: asking for ever more would scan much of the index,
                # and at 1% of 1M memories took five rounds. Search among those that pass instead.
                among = self._among(cube, index, vector, filters, n, matching)
                if among is not None:
                    return among
            fetch *= 4
            found = index.search(vector, fetch)

    def _passing(self, cube: Cube, found: list[tuple[int, float]], filters: MemoryFilter) -> list[ScoredMemory]:
        rows = self.memories.by_ids(cube, [memory_id for memory_id, _ in found], filters)
        return [ScoredMemory(rows[memory_id], score) for memory_id, score in found if memory_id in rows]

    def _among(self, cube: Cube, index: CubeIndex, vector: np.ndarray, filters: MemoryFilter, n: int,
               matching: list[int] | None = None) -> list[ScoredMemory] | None:
        """The n nearest of the memories that pass the filters, by an ID selector over them; None when
        more pass than `filtered_search_id_limit`."""
        if matching is None:
            matching = self.memories.matching_ids(cube, filters, cap=self.settings.filtered_search_id_limit)
        if len(matching) > self.settings.filtered_search_id_limit:
            return None
        return self._kept_among(cube, vector, filters, n, matching, index.search_among(vector, n, matching))

    def _kept_among(self, cube: Cube, vector: np.ndarray, filters: MemoryFilter, n: int, matching: list[int],
                    found: list[tuple[int, float]]) -> list[ScoredMemory]:
        """The index's answer among `matching`, unless IVF's scanned cells held fewer than n of them
        while more exist: then the exact search in Postgres answers, exactly n whenever n pass."""
        kept = self._passing(cube, found, filters)
        if len(kept) < min(n, len(matching)):
            return self.memories.search_dense(cube, vector, filters, n)
        return kept

    def _fuse(self, dense: list[ScoredMemory], lexical: list[ScoredMemory], options: SearchOptions) -> list[Hit]:
        settings = self.settings
        weights = {"dense": settings.search_weight_dense, "lexical": settings.search_weight_lexical}
        fused: dict[int, Hit] = {}
        for name, ranked in (("dense", dense), ("lexical", lexical)):
            shares = _shares(ranked, settings.search_fusion, settings.search_rrf_k, zero_is_unrelated=name == "lexical")
            for hit, share in zip(ranked, shares, strict=True):
                entry = fused.setdefault(hit.memory.id, Hit(hit.memory, 0.0, {}))
                entry.parts[name] = hit.score
                entry.score += weights[name] * share
        best_possible = sum(weights.values()) or 1.0  # first in both lists
        now = options.now or datetime.now(UTC)
        when = parse_time_range(options.text, now)
        names = query_entities(options.text)
        words = set(re.findall(r"[a-z]+", options.text.lower()))
        for hit in fused.values():
            hit.parts["fused"] = hit.score = hit.score / best_possible
            self._boost(hit, when, names, words, now)
        return sorted(fused.values(), key=lambda hit: (-hit.score, hit.memory.id))

    def _with_neighbours(self, cube: Cube, hits: list[Hit], options: SearchOptions) -> list[Hit]:
        """The top_k best once the turns (episodes) around the best ones in their sessions gain a share of
        those hits' scores (the most any one of them gives; added when they were not hits). A turn
        that matches a question is often the question's lead-in, and the turns after it say the
        answer in other words ("How long have you been married?" / "5 years already!")."""
        weight, span = self.settings.search_weight_neighbours, self.settings.search_neighbour_span
        anchors = {hit.memory.id: hit for hit in hits[: 2 * options.top_k]
                   if hit.memory.memory_type == EPISODE and hit.memory.session_id is not None}
        if not weight or not span or not anchors:
            return hits
        inherited: dict[int, float] = {}
        for memory_id, anchor, distance in self.memories.session_neighbours(cube, list(anchors), options.filters, span):
            inherited[memory_id] = max(inherited.get(memory_id, 0.0), anchors[anchor].score * weight**distance)
        by_id = {hit.memory.id: hit for hit in hits}
        score = {memory_id: (by_id[memory_id].score if memory_id in by_id else 0.0) + inherited.get(memory_id, 0.0)
                 for memory_id in by_id.keys() | inherited.keys()}
        best = sorted(score, key=lambda memory_id: (-score[memory_id], memory_id))[: options.top_k]
        # Rows only for the neighbours that made it, not for the dozens that did not.
        joining = [memory_id for memory_id in best if memory_id not in by_id]
        rows = self.memories.by_ids(cube, joining, options.filters) if joining else {}
        ranked = []
        for memory_id in best:
            hit = by_id.get(memory_id)
            if hit is None:
                if memory_id not in rows:  # deleted since its id was read
                    continue
                hit = Hit(rows[memory_id], 0.0, {})
            if memory_id in inherited:
                hit.parts["neighbours"] = inherited[memory_id]
                hit.score = score[memory_id]
            ranked.append(hit)
        return ranked

    def _boost(self, hit: Hit, when: TimeRange | None, names: set[str], words: set[str], now: datetime) -> None:
        settings, memory = self.settings, hit.memory
        attribute = memory.metadata_.get("attribute")
        factors = {
            # A fact that sets the very property the question asks for ("where does Ana live?"), or
            # that property of someone else than asked ("Ana's sister lives in Rome"), or another
            # property: up or down.
            "property": settings.search_weight_property * (_answers(attribute, words) if attribute else 0),
            "about": settings.search_weight_about * _about(memory.metadata_.get("about"), words),
            "time": settings.search_weight_time * float(when is not None and when.contains(memory.event_time)),
            "entity": settings.search_weight_entity * _entity_share(memory, names),
            "recency": settings.search_weight_recency * _recency(memory, now, settings.search_recency_half_life_days),
            "importance": settings.search_weight_importance * (2 * memory.importance - 1),
        }
        for name, value in factors.items():
            if value:
                hit.parts[name] = value
                hit.score *= 1 + value


def _first_fetch(n: int, share: float = 1.0) -> int:
    """How many nearest memories to ask the index for first: a few more than wanted, for filtered-out
    ones, and under a filter expected to pass `share` of them, enough for n to pass with a margin (a
    third of 1M memories: one round, where growing the answer fourfold took two). Under a tenth, the
    first answer stays small: it only has to show the filter narrow (`dense`)."""
    if 1 / _NARROW <= share < 1:
        return math.ceil(1.25 * n / share) + 16
    return n + 16


def _shares(ranked: list[ScoredMemory], fusion: str, rrf_k: int, zero_is_unrelated: bool) -> list[float]:
    """What each hit of one retriever's list adds to the fused score, 1 for the first. Reciprocal
    rank fusion sees ranks only; relative fusion keeps how much better one hit scored than another.
    A full-text rank of 0 means no match, so those scores are scaled by the top one alone (a short
    list's last hit is a weaker match, not a non-match); cosine similarity has no such zero (unrelated
    text scores 0.1-0.3), so those are min-max scaled within the list."""
    if fusion == "rrf":
        return [(rrf_k + 1) / (rrf_k + rank) for rank in range(1, len(ranked) + 1)]
    scores = [hit.score for hit in ranked]
    high = max(scores, default=0.0)
    low = 0.0 if zero_is_unrelated else min(scores, default=0.0)
    return [(score - low) / (high - low) if high > low else 1.0 for score in scores]


def _answers(attribute: str, words: set[str]) -> int:
    """1 for the property asked for; -1 for another holder's, and for another property when the
    question asks for one ("Ana works at Globex" does not say what her favorite food is)."""
    answers = answers_property(attribute, words)
    return answers if answers or not asks_for_a_property(words) else -1


def _about(someone: str | None, words: set[str]) -> int:
    """1 for a fact about someone the question names ("uncle"), -1 for one about someone it does not."""
    if not someone:
        return 0
    return 1 if set(someone.lower().split()) <= words else -1


def _entity_share(memory: Memory, names: set[str]) -> float:
    if not names:
        return 0.0
    haystack = " ".join([memory.content, memory.user_id or "", memory.agent_id or "", " ".join(memory.tags)]).lower()
    tokens = {_POSSESSIVE.sub("", token) for token in _TOKEN.findall(haystack)}  # one pass, then set lookups
    return len(names & tokens) / len(names)


def _recency(memory: Memory, now: datetime, half_life_days: float) -> float:
    moment = memory.event_time or memory.created_at
    age_days = max(0.0, (now - moment).total_seconds() / 86400)
    return math.exp(-math.log(2) * age_days / half_life_days)



