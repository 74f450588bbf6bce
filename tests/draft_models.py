"""A scripted language model registered through llm's plugin interface (``register_models``),
for deterministic ``srs draft`` tests: each reply is chosen by a substring of the prompt."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import llm

MODEL_ID = "srs-scripted"


class ScriptedModel(llm.Model):
    """Replies from ``script``: a list of (substring of the prompt, [reply, reply, ...]); the
    n-th request for a note gets the n-th reply (the last one repeats)."""

    model_id = MODEL_ID
    can_stream = False

    def __init__(self) -> None:
        self.script: list[tuple[str, list[str]]] = []
        self.calls: list[str] = []
        self.systems: list[str] = []
        self._lock = threading.Lock()

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Iterator[str]:
        text = prompt.prompt or ""
        with self._lock:
            count = sum(1 for call in self.calls if call == text)
            self.calls.append(text)
            self.systems.append(prompt.system or "")
        for needle, replies in self.script:
            if needle in text:
                if replies[min(count, len(replies) - 1)] == "RAISE":
                    raise RuntimeError("connection refused")
                yield replies[min(count, len(replies) - 1)]
                return
        yield '{"cards": []}'


class ScriptedPlugin:
    def __init__(self, model: ScriptedModel) -> None:
        self.model = model

    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        register(self.model)
