"""Memory policies: extractors turn chat messages into candidate memories, managers decide
ADD / UPDATE / DELETE / NOOP for each. A heuristic pair works offline; an LLM pair takes over
when an OpenAI-compatible endpoint is configured, and falls back to the heuristics."""
