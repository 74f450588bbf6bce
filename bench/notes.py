"""A synthetic tree of Markdown notes: weekly study plans and paper-reading notes.

Two formats, as a graduate student writes them (and as ``srs import`` reads them):

* **study plans**: a title, a short preface, week headings with their dates
  (``### 第3周(3.11~3.17)``, ``### Week 3 (Mar 11 - Mar 17)``, ...), ``- [x]`` / ``- [ ]``
  tasks, most done ones with one to three paragraphs of notes indented under them;
* **paper notes**: optional YAML front matter, a ``# Title (year)`` heading, authors, then
  ``##``/``###`` sections with bodies (paragraphs, lists, a code block or formula now and
  then, an explicit ``Q::A`` card sometimes).

Text is mixed Chinese and English, assembled from the templates below (written for this
benchmark; no sentence comes from any real note). Generation is deterministic for a seed.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

# Bump when the generated text changes, so cached trees are rebuilt.
VERSION = 1

TOPICS = [
    ("深度学习", "deep-learning"),
    ("分布式系统", "distributed-systems"),
    ("编译原理", "compilers"),
    ("数据库内核", "database-internals"),
    ("强化学习", "reinforcement-learning"),
    ("计算机视觉", "computer-vision"),
    ("自然语言处理", "nlp"),
    ("操作系统", "operating-systems"),
    ("概率与统计", "probability"),
    ("线性代数", "linear-algebra"),
    ("Rust 编程", "rust"),
    ("信息检索", "information-retrieval"),
]

CONCEPTS_EN = [
    "gradient descent", "scaled dot-product attention", "batch normalization", "the B-tree",
    "the LSM tree", "two-phase commit", "Raft leader election", "MVCC snapshots", "beam search",
    "dropout", "contrastive learning", "the KV cache", "register allocation", "SSA form",
    "the page cache", "copy-on-write", "the Bloom filter", "consistent hashing",
    "policy gradients", "Q-learning", "word embeddings", "BPE tokenization", "depthwise convolution",
    "residual connections", "layer normalization", "the Adam optimizer", "Bayes' rule",
    "eigendecomposition", "the SVD", "Markov chains", "Monte Carlo sampling",
    "dynamic programming", "tracing garbage collection", "lock-free queues", "virtual memory",
    "TCP congestion control", "the query planner", "hash joins", "vector clocks", "CRDTs",
]

CONCEPTS_ZH = [
    "梯度下降", "注意力机制", "批归一化", "反向传播", "倒排索引", "一致性哈希", "虚拟内存",
    "进程调度", "动态规划", "贝叶斯推断", "最大似然估计", "词向量", "卷积神经网络",
    "事务隔离级别", "查询优化", "垃圾回收", "对比学习", "知识蒸馏", "马尔可夫决策过程",
    "正则化", "交叉熵损失", "残差网络", "预写日志", "布隆过滤器", "拓扑排序",
]

POINTS = [
    "把大问题拆成可以复用的子问题", "先粗略估计再逐步修正", "用额外的空间换取时间",
    "训练和推理两个阶段的行为并不相同", "任何时刻都要保持不变量成立", "充分利用数据的局部性",
    "把随机性留在采样这一步", "先写日志再改数据", "让写入顺序化以减少随机 IO",
    "用近似换取可扩展性", "梯度的尺度决定了学习率能取多大", "冲突要在提交时而不是读取时检测",
]

CLAIMS_EN = [
    "every step only needs local information", "the cost is paid once and amortised later",
    "errors shrink geometrically as long as the step size is small enough",
    "the invariant survives every operation, including failures half-way",
    "most of the work moves from reads to writes", "the variance drops without adding bias",
    "it trades a little accuracy for a lot of speed", "ordering is decided by a single leader",
    "nothing is ever overwritten in place", "the model sees each token exactly once per layer",
]

PROBLEMS = [
    "环境里 CUDA 版本和驱动不匹配", "公式推导里漏掉了一个转置", "实验结果和论文差了两个点",
    "单元测试在并发时偶尔失败", "数据集的标签有不少噪声", "内存占用随着 batch 变大线性上涨",
    "一开始没理解 loss 为什么不下降", "代码里的索引从 1 开始导致越界",
]

SNIPPETS = [
    "torch.no_grad()", "git bisect", "EXPLAIN QUERY PLAN", "perf record -g", "np.einsum",
    "cargo bench", "strace -f", "SELECT count(*) FROM t", "std::move(v)", "asyncio.gather",
]

COMPLEXITIES = ["n \\log n", "n^2", "\\log n", "n k", "V + E", "n^{3}"]

COURSES = ["CS231n", "CS224n", "6.824", "CMU 15-445", "MIT 18.06", "CS143", "Berkeley CS285", "Stanford CS229"]

SITES = ["课程主页", "官方文档", "一篇技术博客", "作者的演讲视频", "a lecture note", "the original paper"]

TASKS = [
    "复习{zh}并整理成笔记", "Read about {en} and write a one-page summary", "实现一个 {en} 的小例子",
    "Finish problem set {n} of {course}", "跑通 {course} 作业 {n} 的 baseline", "整理 {zh} 相关的综述论文",
    "Watch lecture {n} of {course} and take notes", "用 Python 复现 {en}", "和师兄讨论 {zh} 的细节",
    "推导 {zh} 的公式", "Compare {en} with {en2} on a small benchmark", "准备组会上关于 {zh} 的讲解",
]

NOTES = [
    "今天主要理解了{zh}，关键在于{point}。",
    "The main idea of {en} is that {claim}.",
    "遇到的问题：{problem}，后来查了{site}才解决。",
    "用 `{snippet}` 验证了一下结果，和预期基本一致。",
    "时间复杂度是 $O({cx})$，比朴素做法快不少。",
    "Next step: compare {en} with {en2} on a larger dataset.",
    "参考了 [{site}](https://example.org/notes/{slug}) 上的讲解，{zh}这部分讲得很清楚。",
    "{en} 和 {zh} 其实是同一个思路：{point}。",
    "I was confused at first because {claim}; writing it down helped.",
    "还没完全搞懂{zh}，下周继续看，重点是{point}。",
]

PREFACES = [
    "**说明：计划会根据每周的进度动态调整。**",
    "**Plan for this term: one topic per week, notes under each finished task.**",
    "> 每周日晚上回顾一次，没完成的任务顺延到下周。",
]

PAPER_WORDS = [
    "Attention", "Sparse", "Efficient", "Contrastive", "Scalable", "Robust", "Learned", "Neural",
    "Adaptive", "Hierarchical", "Incremental", "Distributed", "Causal", "Latent", "Retrieval",
]
PAPER_NOUNS = [
    "Transformers", "Indexes", "Representations", "Consensus", "Planners", "Embeddings",
    "Schedulers", "Memory", "Agents", "Compilers", "Storage Engines", "Language Models",
]
SURNAMES = ["Zhang", "Wang", "Li", "Chen", "Smith", "Garcia", "Müller", "Tanaka", "Kim", "Novak", "Okafor", "Silva"]
GIVEN = ["Wei", "Anna", "Jun", "Maria", "Tom", "Yuki", "Lei", "Omar", "Sara", "Hao"]

SECTIONS = [
    "摘要 Summary", "Motivation", "方法 Method", "Model", "Experiments 实验", "Results",
    "Related Work", "Limitations", "我的思考", "Open Questions", "Key Equations", "复现笔记",
]
SUBSECTIONS = ["Encoder", "Decoder", "Loss", "训练细节", "Datasets", "Ablations", "Complexity", "数据预处理"]

CN_NUMERALS = "一二三四五六七八九十"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _cn_number(n: int) -> str:
    if n <= 10:
        return CN_NUMERALS[n - 1]
    if n < 20:
        return "十" + CN_NUMERALS[n - 11]
    tens, units = divmod(n, 10)
    return CN_NUMERALS[tens - 1] + "十" + (CN_NUMERALS[units - 1] if units else "")


class _Words:
    """Fills templates from the vocabulary with one random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def fill(self, template: str) -> str:
        r = self.rng
        en, en2 = r.sample(CONCEPTS_EN, 2)
        return template.format(
            zh=r.choice(CONCEPTS_ZH), en=en, en2=en2, point=r.choice(POINTS), claim=r.choice(CLAIMS_EN),
            problem=r.choice(PROBLEMS), snippet=r.choice(SNIPPETS), cx=r.choice(COMPLEXITIES),
            course=r.choice(COURSES), n=r.randint(1, 12), site=r.choice(SITES), slug=f"{r.randrange(16**6):06x}",
        )

    def paragraph(self, sentences: tuple[int, int] = (1, 3)) -> str:
        text = ""
        for _ in range(self.rng.randint(*sentences)):
            sentence = self.fill(self.rng.choice(NOTES))
            text += (" " if text.endswith((".", ";")) else "") + sentence
        return text


def _week_heading(rng: random.Random, style: int, number: int, start: date) -> str:
    end = start + timedelta(days=6)
    if style == 0:
        return f"### 第{_cn_number(number)}周({start.month}.{start.day}~{end.month}.{end.day})"
    if style == 1:
        return f"### Week {number} ({MONTHS[start.month - 1]} {start.day} - {MONTHS[end.month - 1]} {end.day})"
    return f"## 第{number}周 {start.isoformat()} ~ {end.isoformat()}"


def study_plan(rng: random.Random, index: int) -> str:
    """One study-plan file: weeks of tasks, most done ones with indented notes."""
    words = _Words(rng)
    topic_zh, _slug = rng.choice(TOPICS)
    start = date(2021, 1, 4) + timedelta(weeks=rng.randrange(0, 230))
    style = rng.randrange(3)
    lines = [f"# {topic_zh}学习计划 {start.year}-{index}", "", rng.choice(PREFACES), ""]
    weeks = rng.randint(3, 8)
    for week in range(1, weeks + 1):
        lines += [_week_heading(rng, style, week, start + timedelta(weeks=week - 1)), ""]
        for _task in range(rng.randint(2, 5)):
            done = rng.random() < 0.75
            bullet = rng.choice(["-", "-", "-", "*"])
            lines += [f"{bullet} [{'x' if done else ' '}] {words.fill(rng.choice(TASKS))}", ""]
            paragraphs = rng.choice([0, 1, 1, 1, 2, 2, 3]) if done else rng.choice([0, 0, 1])
            for _p in range(paragraphs):
                lines += ["  " + words.paragraph(), ""]
            if done and paragraphs and rng.random() < 0.1:
                lines += ["  - [x] " + words.fill(rng.choice(TASKS)), "", "    " + words.paragraph((1, 2)), ""]
    return "\n".join(lines)


def paper_note(rng: random.Random, index: int) -> str:
    """One paper-reading note: front matter sometimes, then sections with bodies."""
    words = _Words(rng)
    title = f"{rng.choice(PAPER_WORDS)} {rng.choice(PAPER_WORDS)} {rng.choice(PAPER_NOUNS)}"
    year = rng.randint(2015, 2025)
    lines: list[str] = []
    if rng.random() < 0.4:
        tags = rng.sample(["paper", "nlp", "systems", "ml", "db", "待复习"], 2)
        lines += ["---", f"title: \"{title} ({year})\"", f"tags: [{', '.join(tags)}]", "---", ""]
    authors = ", ".join(f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}" for _ in range(rng.randint(1, 4)))
    lines += [f"# {title} ({year}) #{index}", "", authors, "", "---", ""]
    for section in rng.sample(SECTIONS, rng.randint(3, 7)):
        lines += [f"## {section}", ""]
        for _p in range(rng.randint(1, 3)):
            lines += [words.paragraph((2, 4)), ""]
        if rng.random() < 0.25:
            lines += [f"- {words.fill(rng.choice(NOTES))}" for _ in range(rng.randint(2, 4))] + [""]
        if rng.random() < 0.15:
            lines += ["```cpp", "auto v = std::move(buffer);  // not a card: code", "```", ""]
        if rng.random() < 0.1:
            lines += ["$$", "R(t, S) = \\left(1 + F \\frac{t}{S}\\right)^{-D}", "$$", ""]
        if rng.random() < 0.1:
            en = rng.choice(CONCEPTS_EN)
            lines += [f"What problem does {en} solve?::{rng.choice(CLAIMS_EN).capitalize()}.", ""]
        if rng.random() < 0.3:
            lines += [f"### {rng.choice(SUBSECTIONS)}", "", words.paragraph((1, 3)), ""]
    return "\n".join(lines)


@dataclass(frozen=True)
class NotesTree:
    root: Path
    files: int
    bytes: int


def _file_path(rng: random.Random, index: int, plan: bool) -> Path:
    topic_zh, slug = TOPICS[index % len(TOPICS)]
    if plan:
        year = 2021 + (index // len(TOPICS)) % 5
        name = f"{topic_zh}计划-{index:05d}.md" if index % 3 == 0 else f"{slug}-plan-{index:05d}.md"
        return Path("plans") / str(year) / name
    area = slug if index % 2 else f"{slug}/{rng.choice(['2023', '2024', 'reading-group'])}"
    return Path("papers") / area / f"paper-{index:05d}.md"


def write_tree(root: Path, files: int, seed: int) -> NotesTree:
    """Write ``files`` Markdown files under ``root`` (half study plans, half paper notes)."""
    total = 0
    for index in range(files):
        rng = random.Random(f"{seed}:{index}")
        plan = index % 2 == 0
        path = root / _file_path(rng, index, plan)
        text = study_plan(rng, index) if plan else paper_note(rng, index)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        total += len(data)
    return NotesTree(root, files, total)


def cached_tree(out: Path, files: int, seed: int) -> NotesTree:
    """The tree for (files, seed), generated once under ``out`` and reused afterwards."""
    root = out / f"notes-f{files}-s{seed}-v{VERSION}"
    manifest = root / ".manifest.json"
    if manifest.exists():
        data = json.loads(manifest.read_text())
        return NotesTree(root / "notes", data["files"], data["bytes"])
    partial = root.with_name(root.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    tree = write_tree(partial / "notes", files, seed)
    (partial / ".manifest.json").write_text(json.dumps({"files": tree.files, "bytes": tree.bytes}))
    shutil.rmtree(root, ignore_errors=True)
    partial.rename(root)
    return NotesTree(root / "notes", tree.files, tree.bytes)


def tree_in_child(out: Path, files: int, seed: int) -> NotesTree:
    """:func:`cached_tree` in a child process (the harness stays small; see bench/collection.py)."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "bench.notes", str(out), str(files), str(seed)],
        cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, check=True,
    )
    data = json.loads(result.stdout)
    return NotesTree(Path(data["root"]), data["files"], data["bytes"])


if __name__ == "__main__":
    import sys

    made = cached_tree(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
    print(json.dumps({"root": str(made.root), "files": made.files, "bytes": made.bytes}))
