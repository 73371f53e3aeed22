"""A downloaded parameter memory (LoRA adapter) on a base model, with peft (needs `memos-sdk[lora]`).

    adapter = client.adapters.get(cube_id, adapter_id)
    model = load_adapter(base_model, client.adapters.download(cube_id, adapter_id), adapter.metadata)
"""

import json
import tempfile
from pathlib import Path
from typing import Any


def load_adapter(base_model: Any, data: bytes, metadata: dict[str, Any]) -> Any:
    """A `PeftModel` of `base_model` with the adapter's weights (`data`) and config (from its metadata)."""
    from peft import PeftModel

    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "adapter_model.safetensors").write_bytes(data)
        Path(folder, "adapter_config.json").write_text(json.dumps(metadata["adapter_config"]))
        return PeftModel.from_pretrained(base_model, folder).eval()
