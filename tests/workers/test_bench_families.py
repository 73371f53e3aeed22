"""`memos bench updates --families` through a live API and a real worker, on the dev line only (the
held-out line is the bench's alone): what it counts is what its numbers mean."""

from memos_service.bench.families import run, table


def test_the_families_bench_measures_the_store_search_and_decisions(live_server, admin_key, worker):
    results = run(live_server.base_url, admin_key, people_per_line=3, seed=5, only=("dev",))
    line = results["lines"]["dev"]
    assert set(results["lines"]) == {"dev"} and results["messages"] > 0
    assert line["questions"] > 0 and 0.0 <= line["current@1"] <= 1.0
    assert line["decisions"] > 0 and 0 <= line["wrong_update_or_delete"] <= line["decisions"]
    assert line["decision_ms_p95"] >= line["decision_ms_p50"] > 0
    assert "dev" in table(results) and "messages/s" in table(results)
