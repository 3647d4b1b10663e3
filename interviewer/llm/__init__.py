"""The optional LLM: an OpenAI-compatible client and the key-point judge."""
