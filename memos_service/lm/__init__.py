"""The causal language model activation caches and adapters are built for."""
