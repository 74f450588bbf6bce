"""``srs draft`` as a user runs it, with a scripted model registered through llm's plugin
interface: drafting, the report, retries, the cache, the accept flow, writing back, and the
next import keeping every untouched card's history."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES
from draft_models import MODEL_ID, ScriptedModel, ScriptedPlugin
from sqlalchemy import select

from srs.app.draft_accept import Choice, TerminalKeys, choose
from srs.domain.grounding import ground
from srs.store.models import Card, Review

llm = pytest.importorskip("llm")

DRAFT = FIXTURES / "draft"
FLASH = '{"cards": [{"q": "FlashAttention 如何减少显存读写？", "a": "把注意力矩阵分块计算，每一块放进片上 SRAM"}, {"q": "FlashAttention 是近似注意力吗？", "a": "不是，结果和标准注意力完全相同"}]}'
PREFILL = '{"cards": [{"q": "prefill 阶段做什么？", "a": "一次处理整个提示词并填充 KV cache"}, {"q": "decode 受什么限制？", "a": "受 GPU 算力限制，需要 8 张卡"}]}'
SCALING = '{"cards": [{"q": "Why are the scores divided by $\\\\sqrt{d_k}$?", "a": "So that their variance stays 1"}]}'


@pytest.fixture
def model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "llm"))
    scripted = ScriptedModel()
    scripted.script = [("FlashAttention 把注意力", [FLASH]), ("prefill 和 decode", [PREFILL]), ("Every query", [SCALING])]
    plugin = ScriptedPlugin(scripted)
    llm.plugins.pm.register(plugin, name="srs-scripted-test")
    yield scripted
    llm.plugins.pm.unregister(name="srs-scripted-test")


@pytest.fixture
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    for name in ("plan.md", "attention.md"):
        shutil.copy(DRAFT / name, folder / name)
    monkeypatch.chdir(tmp_path)
    return folder


def imported(srs, notes: Path) -> None:  # type: ignore[no-untyped-def]
    result = srs("import", str(notes))
    assert result.exit_code == 0, result.output


def drafts_json(srs, *args: str) -> dict:  # type: ignore[no-untyped-def]
    result = srs("draft", "--model", MODEL_ID, "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_without_llm_it_says_in_one_line_how_to_get_it(srs, notes: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "llm", None)  # import llm fails
    result = srs("draft", "--model", "x")
    assert result.exit_code == 1
    assert result.output == "Error: srs draft needs the llm library: pip install 'srs[draft]' (then a model plugin, see README: Drafting cards)\n"


def test_no_model_is_ever_picked_silently(srs, notes: Path, model: ScriptedModel) -> None:  # type: ignore[no-untyped-def]
    imported(srs, notes)
    result = srs("draft")
    assert result.exit_code == 1 and "no model chosen: pass --model NAME or run srs config set draft_model NAME" in result.output
    result = srs("draft", "--model", "no-such-model")
    assert result.exit_code == 1 and "unknown model 'no-such-model'" in result.output
    assert srs("config", "set", "draft_model", MODEL_ID).exit_code == 0
    result = srs("draft", "--dry-run", "--accept-grounded")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Model: {MODEL_ID} (runs on this machine; nothing leaves it)\n")


def test_drafts_are_grounded_marked_and_listed(srs, notes: Path, model: ScriptedModel) -> None:  # type: ignore[no-untyped-def]
    imported(srs, notes)
    data = drafts_json(srs)
    by_front = {n["front"].split("\n")[0]: n for n in data["notes"]}
    assert len(data["notes"]) == 6 and data["model"] == MODEL_ID
    statuses = sorted(n["status"] for n in data["notes"])
    assert statuses == ["drafted"] * 3 + ["nothing_to_recall"] * 3
    prefill = by_front["研一 学习计划 › 第二周(3.9~3.15) › 了解大模型推理的两个阶段"]
    assert [d["grounded"] for d in prefill["drafts"]] == [True, False]
    assert prefill["drafts"][1]["problems"][0].startswith("not in the note (")
    assert "8" in prefill["drafts"][1]["missing"]
    # Every prompt is in the note's language and holds the note.
    assert sum("Chinese" in s for s in model.systems) == 4 and len(model.calls) == 6


def test_a_rerun_on_unchanged_notes_asks_nothing(srs, notes: Path, model: ScriptedModel) -> None:  # type: ignore[no-untyped-def]
    imported(srs, notes)
    first = drafts_json(srs)
    asked = len(model.calls)
    second = drafts_json(srs)
    assert len(model.calls) == asked == 6
    assert all(n["cached"] and n["requests"] == 0 for n in second["notes"])
    assert [n["drafts"] for n in first["notes"]] == [n["drafts"] for n in second["notes"]]
    # An edited note is asked again, the others still come from the cache.
    plan = notes / "plan.md"
    plan.write_text(plan.read_text(encoding="utf-8").replace("心情不错", "心情很好"), encoding="utf-8")
    imported(srs, notes)
    third = drafts_json(srs)
    assert len(model.calls) == 7 and sum(not n["cached"] for n in third["notes"]) == 1


@pytest.mark.parametrize(
    ("replies", "outcome"),
    [
        (["Sure! Here you go: " + SCALING, SCALING], "drafted"),
        (['{"cards": [{"q": "Why divide by $\\\\sqrt{d_k}$?", "a": "So that'], "truncated reply"),
        (['{"cards": [{"q": "为什么要除以 $\\\\sqrt{d_k}$？", "a": "方差为 1"}]}'], "wrong language"),
        (['{"flashcards": []}'], "not the asked structure"),
        (["RAISE"], "RuntimeError: connection refused"),
    ],
)
def test_malformed_replies_are_retried_once_then_skipped(srs, notes: Path, model: ScriptedModel, replies: list[str], outcome: str) -> None:  # type: ignore[no-untyped-def]
    model.script = [("Every query", replies)]
    imported(srs, notes)
    result = srs("draft", "notes/attention.md", "--model", MODEL_ID, "--accept-grounded", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert sum("Every query" in call for call in model.calls) == 2
    if outcome == "drafted":
        assert "+Why are the scores divided by $\\sqrt{d_k}$?::So that their variance stays 1" in result.output
    else:
        assert f"notes/attention.md:3: skipped: no usable reply after 2 tries: {outcome}" in result.output.replace("\n", " ").replace("  ", " ")
        assert "1 failed" in result.output
        # A failure is not cached: the next run asks again.
        srs("draft", "notes/attention.md", "--model", MODEL_ID, "--json")
        assert sum("Every query" in call for call in model.calls) == 4


def test_dry_run_shows_the_diff_and_writes_nothing(srs, notes: Path, model: ScriptedModel) -> None:  # type: ignore[no-untyped-def]
    imported(srs, notes)
    before = {p.name: p.read_bytes() for p in notes.iterdir()}
    result = srs("draft", "--model", MODEL_ID, "--accept-grounded", "--dry-run")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "--- notes/plan.md" in out and "+  FlashAttention 是近似注意力吗？::不是，结果和标准注意力完全相同" in out
    assert "decode 受什么限制" not in out  # not grounded: never accepted by default
    assert "nothing written" in out
    assert {p.name: p.read_bytes() for p in notes.iterdir()} == before


def answer_all(srs) -> None:  # type: ignore[no-untyped-def]
    result = srs("review", input="3\n" * 20)
    assert result.exit_code == 0, result.output


def history(collection) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    with collection.read() as session:
        cards = session.execute(select(Card.id, Card.front, Card.kind, Card.state, Card.due, Card.reps, Card.retired_at)).all()
        reviews = session.execute(select(Review.card_id, Review.rating, Review.reviewed_at).order_by(Review.id)).all()
    return {c.front: (c.id, c.kind, c.state, c.due, c.reps, c.retired_at, [tuple(r) for r in reviews if r.card_id == c.id]) for c in cards}


def test_draft_then_import_gives_atomic_grounded_cards_and_keeps_history(srs, notes: Path, model: ScriptedModel, collection) -> None:  # type: ignore[no-untyped-def]
    imported(srs, notes)
    answer_all(srs)
    before = history(collection)
    assert len(before) == 6 and all(v[6] for v in before.values())  # every card has a history
    originals = {p.name: p.read_text(encoding="utf-8") for p in notes.iterdir()}
    result = srs("draft", "--model", MODEL_ID, "--accept-grounded")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Nothing to recall:" in out and "整理本周的学习进度" in out and "配置实验室服务器" in out and "Reading log" in out
    assert "notes/plan.md: 3 cards written (backup:" in out.replace("\n", "")
    result = srs("import")
    assert result.exit_code == 0, result.output
    after = history(collection)
    new = {front: v for front, v in after.items() if front not in before}
    assert sorted(new) == sorted(["FlashAttention 如何减少显存读写？", "FlashAttention 是近似注意力吗？", "prefill 阶段做什么？", "Why are the scores divided by $\\sqrt{d_k}$?"])
    with collection.read() as session:
        backs = dict(session.execute(select(Card.front, Card.back).where(Card.kind == "basic")).all())
    for front in new:  # each answer is grounded in the note it came from
        note = originals["attention.md"] if "sqrt" in front else originals["plan.md"]
        assert ground(backs[front], note).grounded
    for front, old in before.items():
        id_, kind, state, due, reps, retired, reviews = after[front]
        assert (id_, reviews) == (old[0], old[6])  # same card, same log
        if any(word in front for word in ("FlashAttention", "两个阶段", "Scaled dot-product")):
            assert retired is not None  # replaced by its explicit cards, history kept
        else:
            assert after[front] == old  # untouched: nothing changed at all
    # The next draft finds only the notes with nothing to recall.
    data = drafts_json(srs)
    assert sorted(n["status"] for n in data["notes"]) == ["nothing_to_recall"] * 3


def test_the_accept_flow_from_stdin(srs, notes: Path, model: ScriptedModel, collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nprintf 'Scores are divided by what?::$\\\\sqrt{d_k}$\\n' > \"$2\"\n")
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    imported(srs, notes)
    # Notes in order: attention.md Scaled (1 draft), Reading log (none), plan.md FlashAttention
    # (2), summary (none), prefill (2), server (none).
    keys = "e\ns\na\nr\nn\ng\ns\n"
    result = srs("draft", "--model", MODEL_ID, input=keys)
    assert result.exit_code == 0, result.output
    attention = (notes / "attention.md").read_text(encoding="utf-8")
    plan = (notes / "plan.md").read_text(encoding="utf-8")
    assert "Scores are divided by what?::$\\sqrt{d_k}$" in attention and "their variance stays 1\n" not in attention.split("## Reading")[0].split("::")[-1]
    assert "FlashAttention 如何减少显存读写？::" in plan and "FlashAttention 是近似注意力吗？::" not in plan
    assert "prefill 阶段做什么？::" in plan and "decode 受什么限制？" not in plan  # g: only the grounded one
    assert "suspended card" in result.output
    with collection.read() as session:
        suspended = set(session.scalars(select(Card.front).where(Card.suspended.is_(True))))
    assert len(suspended) == 2 and any("Reading log" in f for f in suspended) and any("配置实验室服务器" in f for f in suspended)


def test_an_unknown_choice_stops_with_one_line(srs, notes: Path, model: ScriptedModel) -> None:  # type: ignore[no-untyped-def]
    imported(srs, notes)
    before = (notes / "plan.md").read_bytes()
    result = srs("draft", "--model", MODEL_ID, input="a\nmaybe\n")
    assert result.exit_code == 1 and result.output.splitlines()[-1].startswith("Error: stdin:2: unknown choice 'maybe'")
    assert (notes / "plan.md").read_bytes() == before


def test_paths_query_and_notes_changed_since_the_import(srs, notes: Path, model: ScriptedModel) -> None:  # type: ignore[no-untyped-def]
    imported(srs, notes)
    assert [n["front"].split("\n")[0] for n in drafts_json(srs, "notes/attention.md")["notes"]] == ["Attention notes › Scaled dot-product", "Attention notes › Reading log"]
    assert [n["line"] for n in drafts_json(srs, "--query", "prefill")["notes"]] == [17]
    plan = notes / "plan.md"
    plan.write_text("新的一行\n\n" + plan.read_text(encoding="utf-8").replace("学习 FlashAttention 的原理", "学习 FlashAttention"), encoding="utf-8")
    data = drafts_json(srs, "notes/plan.md")
    assert "notes/plan.md:7: changed since the last import (run srs import first)" in data["problems"]
    assert len(data["notes"]) == 3


def test_parallel_requests_give_the_same_drafts(srs, notes: Path, model: ScriptedModel) -> None:  # type: ignore[no-untyped-def]
    imported(srs, notes)
    one = drafts_json(srs, "--jobs", "1")
    shutil.rmtree(Path.home() / ".local" / "share" / "srs" / "drafts")
    four = drafts_json(srs, "--jobs", "4")
    assert one["notes"] == [dict(n, cached=False) for n in four["notes"]] and len(model.calls) == 12


class Recorder:
    def __init__(self) -> None:
        self.shown: list[tuple[int, list[str], int | None]] = []
        self.notices: list[str] = []

    def show(self, index, total, item, state, current) -> None:  # type: ignore[no-untyped-def]
        self.shown.append((index, list(state), current))

    def notice(self, text: str) -> None:
        self.notices.append(text)


def test_terminal_keys_drive_the_flow(srs, notes: Path, model: ScriptedModel) -> None:  # type: ignore[no-untyped-def]
    from srs.app.draft import DraftCache, draft_notes, select_notes
    from srs.app.llm_model import load_model
    from srs.store.collection import Collection

    imported(srs, notes)
    with Collection.open(None, now=__import__("conftest").NOW) as collection:
        selection = select_notes(collection, [], None, Path.cwd())
    results = draft_notes(load_model(MODEL_ID), selection.notes, cache=DraftCache(Path.home() / "c"))
    keys = iter(["z", "a", "\r", "A", "x", "q"])
    screen = Recorder()
    decisions = choose(results, TerminalKeys(getchar=lambda: next(keys)), screen, editor=lambda pair: None)
    assert list(decisions.accepted) == [0, 2] and decisions.suspend == []
    assert screen.shown[0] == (1, [""], 0) and screen.shown[1] == (1, [""], 0)  # z means nothing
    assert [p.question for p in decisions.accepted[2]] == ["FlashAttention 如何减少显存读写？"]
    assert TerminalKeys(getchar=lambda: "\x03").read() == Choice.QUIT


class FakeModel:
    def __init__(self, model_id: str, api_base: str | None = None, needs_key: str | None = None) -> None:
        self.model_id, self.api_base, self.needs_key = model_id, api_base, needs_key


def test_the_first_line_says_where_the_notes_go() -> None:
    from srs.app.llm_model import LlmModel, describe

    local = LlmModel(FakeModel("SmolLM2"), {})
    server = LlmModel(FakeModel("vllm-qwen", api_base="http://localhost:8000/v1"), {})
    lan = LlmModel(FakeModel("big", api_base="http://gpu-box.lan:8000/v1"), {})
    hosted = LlmModel(FakeModel("gpt-4o-mini", needs_key="openai"), {})
    assert describe(local) == "Model: SmolLM2 (runs on this machine; nothing leaves it)"
    assert describe(server) == "Model: vllm-qwen (server on this machine: localhost)"
    assert describe(lan) == "Model: big (notes are sent to gpu-box.lan)"
    assert describe(hosted) == "Model: gpt-4o-mini (notes are sent to the openai API)"
    assert (local.default_jobs, server.default_jobs, hosted.default_jobs) == (1, 4, 4)


def test_nothing_to_draft_says_so(srs, model: ScriptedModel) -> None:  # type: ignore[no-untyped-def]
    result = srs("draft", "--model", MODEL_ID)
    assert result.exit_code == 0
    assert "No task or section card to draft (import notes first" in result.output and model.calls == []


def test_progress_is_reported_per_note_done(srs, notes: Path, model: ScriptedModel, collection) -> None:  # type: ignore[no-untyped-def]
    from srs.app.draft import draft_notes, select_notes
    from srs.app.llm_model import load_model

    imported(srs, notes)
    selection = select_notes(collection, [], None, Path.cwd())
    seen: list[tuple[int, int]] = []
    draft_notes(load_model(MODEL_ID), selection.notes, cache=None, jobs=3, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 6) for i in range(7)]
