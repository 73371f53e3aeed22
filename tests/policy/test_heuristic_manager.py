"""The offline manager's rules on candidates and known memories (unsaved ORM rows: the rules read
content and metadata only)."""

from memos_service.db.models import Memory
from memos_service.policy.candidates import Candidate
from memos_service.policy.decisions import Op, Related
from memos_service.policy.heuristic_manager import HeuristicManager, Thresholds

MANAGER = HeuristicManager(Thresholds(noop_similarity=0.85, update_similarity=0.8, delete_similarity=0.75))


def known(content: str, similarity: float, **metadata) -> Related:
    return Related(0, Memory(content=content, metadata_=metadata, memory_type="fact"), similarity)


def decide(content: str, *related: Related, **fields) -> Op:
    return MANAGER.decide(Candidate(content=content, subject="ana", message_keys=["m"], **fields), related).decision.op


def test_similar_is_known_only_when_no_name_or_number_is_new():
    assert decide("Ana's locker code is 4471.", known("Ana's locker code is 4471", 0.97)) is Op.noop
    # Near-identical to the model, but another number: not something already known.
    assert decide("Ana's locker code is 5820.", known("Ana's locker code is 4471", 0.96)) is Op.add
    assert decide("Ana met Tom at the gym.", known("Ana met Sam at the gym.", 0.93)) is Op.add
    assert decide("Ana does not eat meat.", known("Ana eats meat.", 0.9)) is Op.add


def test_a_retraction_deletes_by_meaning_only_when_close():
    assert decide("Ana has a boat", known("Ana sails her boat on weekends", 0.78), retraction=True) is Op.delete
    assert decide("Ana has a boat", known("Ana plays tennis", 0.62), retraction=True) is Op.noop


def test_a_retraction_that_names_a_value_keeps_memories_of_another():
    job = known("Ana works at Initech.", 0.9, attribute="employer", value="Initech")
    assert decide("Ana works at Globex", job, retraction=True, attribute="employer", value="Globex") is Op.noop
    assert decide("Ana works at Initech", job, retraction=True, attribute="employer", value="Initech") is Op.delete
    # Named without a value ("I quit my job"), the property is taken back whatever it holds.
    assert decide("Ana has a job", job, retraction=True, attribute="employer") is Op.delete
    # A value that names nothing ("I'm not employed there any more") cannot tell one job from another.
    assert decide("Ana is employed there", job, retraction=True, attribute="employer", value="there") is Op.delete
