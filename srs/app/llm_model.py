"""The language model behind ``srs draft``, reached through simonw's ``llm`` library.

``llm`` is an optional dependency (``pip install 'srs[draft]'``): its plugins reach local GGUF
models (llama.cpp), Ollama, any OpenAI-compatible server (vLLM, llama.cpp's server) and hosted
APIs with one interface, so srs needs no client of its own for each. This module is the only
one that imports it, and only when a draft runs.

Privacy: srs never picks a model by itself (not ``llm``'s default, which is a hosted one): the
model is ``--model`` or the ``draft_model`` setting. :func:`describe` says where the notes go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from srs.errors import ConfigError, SrsError

INSTALL_HINT = "srs draft needs the llm library: pip install 'srs[draft]' (then a model plugin, see README: Drafting cards)"


class ModelError(SrsError):
    """One request failed (server down, key missing, model error): the note is retried once."""


def _llm() -> Any:
    try:
        import llm
    except ImportError:
        raise ConfigError(INSTALL_HINT) from None
    return llm


@dataclass
class LlmModel:
    """One ``llm`` model: :meth:`complete` sends a system and a user prompt, returns the text."""

    model: Any
    options: dict[str, Any]

    @property
    def model_id(self) -> str:
        return str(self.model.model_id)

    @property
    def remote_host(self) -> str | None:
        """The host the notes are sent to, or None for a model run by a plugin in this process."""
        base = getattr(self.model, "api_base", None)
        if base:
            return urlsplit(str(base)).hostname or str(base)
        if getattr(self.model, "needs_key", None):
            return f"the {self.model.needs_key} API"
        return None

    @property
    def is_local(self) -> bool:
        host = self.remote_host
        return host is None or host in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")

    @property
    def default_jobs(self) -> int:
        """Requests at once: 1 for a model run inside this process (one llama.cpp context is not
        shared between threads), 4 for a server, which queues or batches them."""
        return 1 if self.remote_host is None else 4

    def complete(self, system: str, prompt: str, schema: dict[str, Any] | None) -> str:
        use_schema = schema if getattr(self.model, "supports_schema", False) else None
        try:
            response = self.model.prompt(prompt, system=system, schema=use_schema, **self.options)
            return str(response.text())
        except Exception as error:  # any plugin's failure is one line for this note
            text = " ".join(str(error).split()) or type(error).__name__
            raise ModelError(f"{type(error).__name__}: {text[:300]}") from None


def load_model(name: str | None, *, options: dict[str, Any] | None = None) -> LlmModel:
    """The model named ``name`` (an ``llm`` model id or alias)."""
    llm = _llm()
    if not name or not name.strip():
        raise ConfigError("no model chosen: pass --model NAME or run srs config set draft_model NAME (llm models lists them)")
    try:
        model = llm.get_model(name.strip())
    except llm.UnknownModelError:
        raise ConfigError(f"unknown model {name!r} (llm models lists the installed ones; a plugin may be missing)") from None
    return LlmModel(model, dict(options or {}))


def describe(model: LlmModel) -> str:
    """One line saying which model drafts and whether the notes leave the machine."""
    host = model.remote_host
    if host is None:
        return f"Model: {model.model_id} (runs on this machine; nothing leaves it)"
    if model.is_local:
        return f"Model: {model.model_id} (server on this machine: {host})"
    return f"Model: {model.model_id} (notes are sent to {host})"
