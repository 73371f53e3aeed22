"""Full-text candidates for lexical and hybrid search: Postgres text search with bounded work.

Postgres ranks every row a text query matches, so a query holding one common word ranked every
memory holding it: "trip to Lisbon" in a 100k cube where "lisbon" is in 7k memories took 14 ms.
Here no statement ranks more than `cap` memories per query term:

1. The memories holding every term, at most `cap` (or `limit`) of them, ranked by `ts_rank`. When
   there are `limit` of them they are the answer, since a memory missing a term would rank below them.
2. Otherwise each term on its own: up to `cap` + 1 of its holders, which also counts them. A
   term held by at most `cap` memories has all its holders ranked; a commoner one gives a sample
   (it weighs little, see below), so the work stays bounded however large the cube grows.
   A filter that passes few memories (`MEMOS_LEXICAL_SCOPE_LIMIT`) makes the scope small: there
   every memory holding any term is weighed, in one pass, and the terms are counted among them (N
   stays the cube's, so a user's name, in all of their memories, still weighs as the rare word it
   is in the cube).
   The score is BM25's inverse document frequency times `ts_rank` per term, summed: a rare
   word counts for more than a name that starts every turn, which `ts_rank` alone cannot tell.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, cast, func, literal, select, union_all
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from memos_service.db.models import Memory

# ts_rank's normalisation 1: divide by 1 + log(length), so one matching word in a long turn counts less.
_BY_LENGTH = 1
# The terms of a longer query beyond these are left out: each one costs a scan.
MOST_TERMS = 16


def search_full_text(session: Session, scoped: Select[Any], text: str, *, limit: int, cap: int | None,
                     collection_size: int) -> list[tuple[Memory, float]]:
    """The `limit` best memories of `scoped` (a select of memories, filters applied) for the text.
    `cap` None: the scope is small enough (a narrow filter) to weigh every memory holding any term."""
    found: list[tuple[Memory, float]] = []
    if cap is not None:
        # plainto_tsquery is the AND of the lexemes `query_terms` gives, so this step needs no list of them.
        every = func.plainto_tsquery("english", text)
        # The holders' ids and tsvectors only, ranked; rows are read for the best alone. A subquery of
        # whole memories (an aliased entity) took 0.9 ms of Python to build per search, this one 0.25.
        holders = (scoped.with_only_columns(Memory.id, Memory.content_tsv).where(Memory.content_tsv.op("@@")(every))
                   .limit(max(cap, limit)).subquery())
        rank = func.ts_rank(holders.c.content_tsv, every, _BY_LENGTH)
        best = select(holders.c.id, rank.label("score")).order_by(rank.desc(), holders.c.id).limit(limit).subquery()
        found = _memories_of(session, best)
        if len(found) == limit:
            return found
    terms = query_terms(session, text)
    if cap is not None and len(terms) <= 1:
        return found
    return _by_weighted_terms(session, scoped, terms, limit=limit, cap=cap, collection_size=collection_size)


def query_terms(session: Session, text: str) -> list[str]:
    """The query's lexemes as the memories' tsvectors hold them (stemmed, stop words dropped)."""
    lexemes = session.scalar(select(func.tsvector_to_array(func.to_tsvector("english", text))))
    return list(lexemes or [])[:MOST_TERMS]


def _by_weighted_terms(session: Session, scoped: Select[Any], terms: Sequence[str], *, limit: int, cap: int | None,
                       collection_size: int) -> list[tuple[Memory, float]]:
    if not terms:
        return []
    narrow = scoped.with_only_columns(Memory.id, Memory.content_tsv)
    if cap is None:
        # One pass over the scope; each term's holders are counted among those candidates. The scope
        # is read first (a fence, MATERIALIZED): the planner otherwise joins in the text index, whose
        # every holder of a common word (28k of 100k for three of them) costs more than the scope's rows.
        scope = narrow.cte("scope").prefix_with("MATERIALIZED")
        candidates = (select(scope.c.id, scope.c.content_tsv).where(scope.c.content_tsv.op("@@")(_tsquery(terms)))
                      .cte("candidates"))
        counted = select(*(func.count().filter(candidates.c.content_tsv.op("@@")(_tsquery([term]))).label(f"n{i}")
                           for i, term in enumerate(terms))).select_from(candidates)
    else:
        holders = [narrow.where(Memory.content_tsv.op("@@")(_tsquery([term]))).limit(cap + 1).cte(f"term_{i}")
                   for i, term in enumerate(terms)]
        counted = select(*(select(func.count()).select_from(cte).scalar_subquery().label(f"n{i}")
                           for i, cte in enumerate(holders)))
        # Fewer than `limit` memories hold every term (step 1 found them all); samples of common terms may miss them.
        every = narrow.where(Memory.content_tsv.op("@@")(_tsquery(terms, " & "))).limit(limit)
        pooled = union_all(every, *(select(cte.c.id, cte.c.content_tsv) for cte in holders)).subquery()
        candidates = select(pooled.c.id, pooled.c.content_tsv).distinct(pooled.c.id).subquery()
    # The holders counted once, in one row: idf names each count three times, and as scalar subqueries
    # Postgres counted each of them three times (1 ms of a 24 ms search at 10k memories). MATERIALIZED:
    # a CTE named once is otherwise inlined, and its scalar subqueries were again counted three times.
    counts = counted.cte("counts").prefix_with("MATERIALIZED")
    score = sum(_idf(counts.c[f"n{i}"], collection_size) * func.ts_rank(candidates.c.content_tsv, _tsquery([term]),
                                                                         _BY_LENGTH)
                for i, term in enumerate(terms))
    best = (select(candidates.c.id, score.label("score")).select_from(candidates).join(counts, literal(True))
            .order_by(score.desc(), candidates.c.id).limit(limit).subquery())
    return _memories_of(session, best)


def _memories_of(session: Session, best: Subquery) -> list[tuple[Memory, float]]:
    """The memories of a ranked subquery of (id, score), best first: rows are read for those alone."""
    rows = session.execute(select(Memory, best.c.score).join(best, Memory.id == best.c.id)
                           .order_by(best.c.score.desc(), Memory.id))
    return [(memory, float(score)) for memory, score in rows]


def _idf(holders: ColumnElement[int], collection_size: int) -> ColumnElement[float]:
    """BM25's idf, ln(1 + (N - n + 0.5) / (n + 0.5)); n is counted up to the cap, so a common term's is
    a little high, and N never falls below n (the index's count may trail the table's)."""
    size = func.greatest(collection_size, holders)
    return func.ln(1 + (size - holders + 0.5) / (holders + 0.5))


def _tsquery(terms: Sequence[str], operator: str = " | ") -> ColumnElement[Any]:
    """A tsquery of lexemes that are already normalised: quoted, so nothing stems them again."""
    quoted = ("'" + term.replace("\\", "\\\\").replace("'", "''") + "'" for term in terms)
    return cast(operator.join(quoted), TSQUERY)
