"""`memos policy train` on a tiny budget: reproducible for a seed, and what it writes loads and decides."""

import pytest

from memos_service.config import Settings
from memos_service.embedding import get_embedder
from memos_service.ingestion.pipeline import heuristic_extractor, heuristic_manager
from memos_service.policy.learned_manager import LearnedManager, PairModel
from memos_service.policy.learning import Budget, train

TINY = Budget(train_people=24, dev_people=8, epochs=2, outcome_episodes=12, hidden=16, seed=3)


@pytest.fixture(scope="module")
def parts():
    settings, embedder = Settings(), get_embedder()
    return embedder, heuristic_extractor(settings, embedder), heuristic_manager(settings)


def test_training_is_deterministic_for_a_seed(parts, tmp_path):
    embedder, extractor, rules = parts
    first = train(embedder, extractor, rules, tmp_path / "first.safetensors", TINY)
    again = train(embedder, extractor, rules, tmp_path / "again.safetensors", TINY)
    assert first.sha256 == again.sha256
    assert (tmp_path / "first.safetensors").read_bytes() == (tmp_path / "again.safetensors").read_bytes()
    other = train(embedder, extractor, rules, tmp_path / "other.safetensors", Budget(**{**TINY.__dict__, "seed": 4}))
    assert other.sha256 != first.sha256
    # Both stages are reported, each scored on the dev families' episodes.
    assert first.pairs > 0 and set(first.classes) <= {"ADD", "UPDATE", "NOOP", "DELETE"}
    assert first.outcome_dev is not None and "current@1" in first.supervised_dev and "current@1" in first.rules_dev
    assert first.kept.startswith("learned-3-")


def test_written_weights_load_and_decide(parts, tmp_path):
    embedder, extractor, rules = parts
    train(embedder, extractor, rules, tmp_path / "model.safetensors", TINY)
    model = PairModel.load(tmp_path / "model.safetensors")
    assert model.version.startswith("learned-3-")
    assert model.hidden_weight.shape[0] == TINY.hidden
    from memos_service.policy.candidates import Candidate

    outcome = LearnedManager(model, embedder, rules).decide(Candidate("Ana rides a Brompton.", "ana", ["m1"]), [])
    assert outcome.decision.op.value == "ADD" and outcome.policy == "learned" and outcome.model == model.version


def test_delete_has_a_margin_of_its_own_and_it_round_trips(tmp_path):
    import numpy as np

    from memos_service.policy.decisions import Op
    from memos_service.policy.learned_manager import choose

    rng = np.random.default_rng(0)
    weights = [rng.normal(size=shape).astype(np.float32) for shape in ((4, 14), (4,), (4, 4), (4,))]
    model = PairModel(*weights, add_margin=2.5, version="test", delete_margin=1.0)
    model.save(tmp_path / "margins.safetensors")
    loaded = PairModel.load(tmp_path / "margins.safetensors")
    assert (loaded.add_margin, loaded.delete_margin) == (2.5, 1.0)
    assert loaded.margins().tolist() == [2.5, 2.5, 1.0]
    # log-odds over ADD of UPDATE, NOOP, DELETE: 2.0, 0.0, 1.5 -> only DELETE passes its margin.
    logits = np.array([[0.0, 2.0, 0.0, 1.5]], dtype=np.float32)
    assert choose(logits, loaded.margins(), np.array([True])) == (0, Op.delete)
    assert choose(logits, np.array([2.5, 2.5, 2.5], np.float32), np.array([True])) is None  # one margin for all: ADD
    assert choose(logits, loaded.margins(), np.array([False])) is None  # a memory it may not act on
