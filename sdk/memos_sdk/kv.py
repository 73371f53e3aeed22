"""A downloaded activation cache as transformers' `past_key_values` (needs `memos-sdk[kv]`).

    cache = to_past_key_values(client.activations.download(cube_id, activation_id))
    logits = model(question_ids, past_key_values=cache).logits

The prefix the cache holds is in the activation's metadata ("prefix"); feed only what follows it.
"""

from typing import Any

FORMAT = "memos-kv-cache/1"


def read_metadata(data: bytes) -> dict[str, str]:
    """The cache's safetensors header metadata (model fingerprint, dtype, layers, tokens, ...)."""
    import json
    import struct

    (length,) = struct.unpack("<Q", data[:8])
    metadata: dict[str, str] = json.loads(data[8:8 + length]).get("__metadata__", {})
    return metadata


def to_past_key_values(data: bytes, device: Any = None, expected_fingerprint: str | None = None) -> Any:
    from safetensors.torch import load
    from transformers import DynamicCache

    metadata = read_metadata(data)
    if metadata.get("format") != FORMAT:
        raise ValueError(f"not a memos activation cache (format {metadata.get('format')!r})")
    if expected_fingerprint is not None and metadata.get("model_fingerprint") != expected_fingerprint:
        raise ValueError(f"the cache was built for model {metadata.get('model')!r}, fingerprint "
                         f"{metadata.get('model_fingerprint', '')[:12]}, not {expected_fingerprint[:12]}")
    tensors = load(data)
    cache = DynamicCache()
    for layer in range(int(metadata["layers"])):
        keys, values = tensors[f"layers.{layer}.keys"], tensors[f"layers.{layer}.values"]
        if device is not None:
            keys, values = keys.to(device), values.to(device)
        cache.update(keys, values, layer)
    return cache
