"""Loading the configured causal LM (MEMOS_LM_PATH), offline, once per process, on CUDA when
present. Its fingerprint (config and tokenizer) ties every cache and adapter to the model that
made them: using one with another model is refused, not silently wrong."""

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from memos_service.config import Settings
from memos_service.errors import Conflict, MemosError

# Config keys that say where or how a model was saved, not what it computes.
_NOT_IDENTITY = {"_name_or_path", "transformers_version", "torch_dtype", "dtype", "_commit_hash", "architectures"}


class ModelUnavailable(MemosError):
    status_code, error_type = 503, "model_unavailable"


@dataclass(frozen=True)
class LanguageModel:
    name: str
    fingerprint: str
    model: Any
    tokenizer: Any
    device: str
    dtype: str


def fingerprint(config: Any, tokenizer: Any) -> str:
    described = {key: value for key, value in config.to_dict().items() if key not in _NOT_IDENTITY}
    vocabulary = sorted(tokenizer.get_vocab().items())
    return hashlib.sha256(json.dumps([described, vocabulary], sort_keys=True, default=str).encode()).hexdigest()


@lru_cache(maxsize=2)
def _load(path: str, device: str | None, dtype: str) -> LanguageModel:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    chosen = device or ("cuda" if torch.cuda.is_available() else "cpu")
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True, dtype=getattr(torch, dtype))
    model.to(chosen).eval()
    name = getattr(model.config, "_name_or_path", None) or path
    return LanguageModel(str(name), fingerprint(model.config, tokenizer), model, tokenizer, chosen, dtype)


def get_language_model(settings: Settings) -> LanguageModel:
    if not settings.lm_path:
        raise ModelUnavailable("no language model is configured (set MEMOS_LM_PATH to a local model directory)")
    return _load(str(settings.lm_path), settings.lm_device, settings.lm_dtype)


def keep_cube_model(cube: Any, name: str, fingerprint: str, remedy: str) -> None:
    """A cube keeps to the model its first cache or adapter was made for (or came with, in an archive)."""
    if cube.lm_fingerprint is None:
        cube.lm_name, cube.lm_fingerprint = name, fingerprint
    elif cube.lm_fingerprint != fingerprint:
        raise Conflict(f"cube {cube.id} holds activation and parameter memories of model {cube.lm_name!r} "
                       f"(fingerprint {cube.lm_fingerprint[:12]}), not of {name!r} ({fingerprint[:12]}); {remedy}")


def check_cube_model(cube: Any, lm: LanguageModel) -> None:
    keep_cube_model(cube, lm.name, lm.fingerprint, "configure that model or use another cube")
