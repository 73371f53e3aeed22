"""`memos bench thresholds`: the evidence for the heuristic manager's similarity thresholds.

Statements from every tuned phrasing pool of the knowledge-update suite (never a held-out one) go
through the heuristic extractor, as ingestion would store them, and are embedded with the service's
embedder. Then, for labelled pairs, how often their cosine similarity reaches each threshold:
- the same fact in other words (a NOOP should catch these: high is good);
- the same property with another value, said the same way (a NOOP here loses an update: must be
  rare at the NOOP threshold); both also as the NOOP rule sees them, which asks as well that the
  known statement holds every name and number of the new one;
- facts about other properties of the same person (must stay under every threshold);
- a retraction and the fact it takes back (DELETE's last resort, after value, property and thing
  matched nothing: high is good), against a retraction and another fact of the person (a wrong
  deletion: must be rare at the DELETE threshold);
- a fact and the same fact with more detail (UPDATE "says the same and more"), against a fact and a
  different fact that shares its words.
"""

import itertools
import random
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from memos_service.bench.report import markdown_table
from memos_service.bench.updates import CITIES, COMPANIES, FOODS, PHRASES, RETRACTIONS, held_out
from memos_service.config import get_settings
from memos_service.embedding import get_embedder
from memos_service.ingestion.pipeline import heuristic_extractor
from memos_service.policy.candidates import ChatMessage
from memos_service.policy.heuristic_manager import says_all_of

THRESHOLDS = [round(0.5 + 0.05 * step, 2) for step in range(10)]
VALUES = {"residence": CITIES, "employer": COMPANIES, "favorite food": FOODS,
          "phone number": [f"555-{number}" for number in (1234, 2871, 4410, 6093, 7302, 8856)]}
DETAILS = [" with my two cats", " and I love it there", " since last spring", " with my partner Sam"]
NAMES = ["Ana", "Bruno", "Chen", "Dara", "Elif", "Femi"]


def _said(texts: Sequence[str], name: str) -> list[str]:
    """What ingestion would store for each text: the extracted fact, or the text if none is."""
    extractor = heuristic_extractor(get_settings(), get_embedder())
    when = datetime(2024, 1, 1, tzinfo=UTC)
    stored = []
    for text in texts:
        found = extractor.extract([ChatMessage("m", "user", text, when)], name.lower())[0]
        stored.append(found[0].content if found else text)
    return stored


def _tuned(pools: dict[str, list[str]]) -> list[list[str]]:
    """The phrasings of every pool but the held-out ones: thresholds chosen here must not have seen them."""
    return [phrasings for pool, phrasings in pools.items() if not held_out(pool)]


def _pairs(rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    pairs: dict[str, list[tuple[str, str]]] = {name: [] for name in (
        "same fact, other words", "other value, same words", "other property", "retraction, its fact",
        "retraction, another fact", "more detail", "other fact, shared words")}
    for name in NAMES:
        said: dict[tuple[str, str], list[str]] = {}
        for kind, pools in PHRASES.items():
            phrasings = [phrase for pool in _tuned(pools) for phrase in pool]
            for value in rng.sample(VALUES[kind], 2):
                said[kind, value] = _said([phrase.format(value=value) for phrase in phrasings], name)
        for (kind, value), texts in said.items():
            pairs["same fact, other words"] += itertools.combinations(texts, 2)
            for (other_kind, other_value), others in said.items():
                if other_kind == kind and other_value != value:
                    pairs["other value, same words"] += zip(texts, others, strict=True)
                elif other_kind != kind:
                    pairs["other property"] += [(texts[0], others[0])]
            if kind in RETRACTIONS:
                retractions = [phrase for pool in _tuned(RETRACTIONS[kind]) for phrase in pool]
                for retraction in _said([phrase.format(value=value) for phrase in retractions], name):
                    pairs["retraction, its fact"] += [(retraction, text) for text in texts]
                    pairs["retraction, another fact"] += [(retraction, others[0]) for (other_kind, _), others in
                                                          said.items() if other_kind != kind]
        for kind in ("residence", "employer"):
            value = rng.choice(VALUES[kind])
            base = PHRASES[kind]["seen"][0].format(value=value).rstrip(".")
            fuller, = _said([base], name)
            for detail in DETAILS:
                pairs["more detail"].append((fuller, _said([base + detail + "."], name)[0]))
            sibling = _said([f"My sister {base.split(' ', 1)[1]}."], name)[0]  # "My sister lives in Lyon."
            pairs["other fact, shared words"].append((fuller, sibling))
    return pairs


def run(seed: int = 11) -> dict[str, Any]:
    pairs = _pairs(random.Random(seed))
    embedder = get_embedder()
    texts = sorted({text for group in pairs.values() for pair in group for text in pair})
    vectors = dict(zip(texts, embedder.embed(texts), strict=True))
    similarities = {name: np.array([float(np.dot(vectors[left], vectors[right])) for left, right in group])
                    for name, group in pairs.items()}
    # The NOOP rule as the manager applies it: similar enough, and no name or number of the newer
    # statement missing from the known one (a pair that fails the second part counts as 0).
    for name in ("same fact, other words", "other value, same words"):
        kept = np.array([says_all_of(left, right) for left, right in pairs[name]])
        similarities[f"{name}: NOOP rule"] = np.where(kept, similarities[name], 0.0)
        pairs[f"{name}: NOOP rule"] = pairs[name]
    settings = get_settings()
    return {
        "embedder": embedder.name, "pairs": {name: len(group) for name, group in pairs.items()},
        "reaching": {name: {str(threshold): float((values >= threshold).mean()) for threshold in THRESHOLDS}
                     for name, values in similarities.items()},
        "median": {name: float(np.median(values)) for name, values in similarities.items()},
        "settings": {"noop": settings.manager_noop_similarity, "update": settings.manager_update_similarity,
                     "delete": settings.manager_delete_similarity},
    }


def table(results: dict[str, Any]) -> str:
    header = ["pairs", "n", "median", *(f"≥{threshold}" for threshold in THRESHOLDS)]
    rows = [[name, results["pairs"][name], results["median"][name],
             *(reaching[str(threshold)] for threshold in THRESHOLDS)] for name, reaching in results["reaching"].items()]
    chosen = results["settings"]
    return (f"Share of pairs whose cosine similarity ({results['embedder']}) reaches each threshold. Settings: "
            f"NOOP {chosen['noop']}, UPDATE {chosen['update']}, DELETE {chosen['delete']}.\n\n"
            + markdown_table(header, rows))
