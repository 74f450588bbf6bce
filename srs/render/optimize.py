"""Rendering of ``srs optimize``, ``srs optimize --retention``, ``srs reschedule`` and
``srs import-revlog``, and the stage-by-stage progress of a fit (on stderr)."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from srs.app.optimize import OptimizeReport, RetentionReport
from srs.app.reschedule import RescheduleReport
from srs.app.revlog_import import RevlogImport
from srs.domain.evaluation import Evaluation
from srs.domain.workload import RETENTION_RANGE, RetentionAdvice
from srs.render.console import escape
from srs.render.numbers import percent
from srs.text import plural

MAX_PROBLEMS_SHOWN = 50


class StageProgress:
    """A progress indicator for work done in stages, on a terminal only (piped output stays
    clean). fsrs-rs holds the interpreter while it fits, so a spinner cannot turn during a
    stage: each stage is announced when it starts and ticked off with its duration when
    the next one starts."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.live = console.is_terminal
        self.stage: str | None = None
        self.started = 0.0
        self.status = console.status("", spinner="dots") if self.live else None

    def __call__(self, stage: str) -> None:
        self._finish_stage()
        self.stage = stage
        self.started = time.perf_counter()
        if self.status is not None:
            self.status.update(f"{escape(stage)}...")
            self.status.start()

    def _finish_stage(self) -> None:
        if self.stage is not None and self.status is not None:
            self.status.stop()
            seconds = time.perf_counter() - self.started
            self.console.print(f"[green]✓[/green] {escape(self.stage)} [dim]({seconds:.1f} s)[/dim]", highlight=False)
        self.stage = None

    def __enter__(self) -> Callable[[str], None]:
        return self

    def __exit__(self, exc_type: object, *_exc: object) -> None:
        if exc_type is None:
            self._finish_stage()
        if self.status is not None:
            self.status.stop()
        self.stage = None


def _change(before: float, after: float) -> str:
    if before == 0:
        return ""
    change = (after - before) / before * 100
    if abs(change) < 0.05:
        return "0.0%"
    style = "green" if change < 0 else "red" if change > 0 else ""
    text = f"{change:+.1f}%"
    return f"[{style}]{text}[/{style}]" if style else text


def _parameters(values: tuple[float, ...]) -> str:
    return ", ".join(f"{v:.4f}" for v in values)


def render_optimize(console: Console, report: OptimizeReport) -> None:
    result = report.result
    scope = f"deck {escape(report.deck)} (preset {escape(report.preset)})" if report.deck else f"preset {escape(report.preset)}"
    console.print(
        f"Optimized {scope}: {result.items:,} of {report.reviews:,} reviews count for fitting "
        "(one per review on a later day than the card's previous one)."
    )
    console.print(_verdict(report))
    table = Table(
        title="Current vs fitted parameters on the same reviews (unweighted, as the srs-benchmark; lower is better)",
        title_justify="left",
    )
    table.add_column("Measure")
    table.add_column("Reviews", justify="right")
    table.add_column("Current", justify="right")
    table.add_column("Fitted", justify="right")
    table.add_column("Change", justify="right")

    def row(name: str, reviews: int, current: Evaluation, fitted: Evaluation) -> None:
        table.add_row(f"log loss, {name}", f"{reviews:,}", f"{current.log_loss:.4f}", f"{fitted.log_loss:.4f}", _change(current.log_loss, fitted.log_loss))
        table.add_row(f"RMSE (bins), {name}", f"{reviews:,}", percent(current.rmse_bins, 2), percent(fitted.rmse_bins, 2), _change(current.rmse_bins, fitted.rmse_bins))

    row("in sample", result.items, result.current, result.fitted)
    held_out = result.split_items - result.split_items // 6
    label = "time-series splits" if result.split_items == result.items else f"splits, last {result.split_items:,}"
    row(label, held_out, result.split_current, result.split_fitted)
    console.print(table)
    console.print(
        "[dim]Time-series splits: the history cut in six by time; parameters fitted on the first k parts are "
        "scored on part k+1 (k = 1..5), so the fitted column is scored on reviews it was not fitted on. "
        "(Current parameters fitted by an earlier srs optimize have seen these reviews, which flatters them.) "
        "Every review counts once (fsrs-rs's own figures weight recent reviews more); "
        "whether the fitted parameters are better is decided on the splits' log loss.[/dim]"
    )
    console.print(f"Current: [dim]{_parameters(result.current_parameters)}[/dim]")
    console.print(f"Fitted:  {_parameters(result.parameters)}")
    if report.dry_run:
        console.print("Dry run: nothing saved.")
    elif report.saved:
        how = "saved with --force (they do not predict this history better)" if report.forced else "saved"
        console.print(f"[bold]The fitted parameters are {how}[/bold] for preset {escape(report.preset)}.")
        if report.deck and report.other_decks:
            plural = "s" if report.other_decks != 1 else ""
            console.print(
                f"Note: preset {escape(report.preset)} is shared with {report.other_decks:,} other deck{plural}: "
                "the new parameters apply to them too."
            )
        console.print("Cards keep their due dates until you run [bold]srs reschedule[/bold] (try --dry-run first to see how many move).")
    else:
        console.print(
            f"Not saved: the fitted parameters do not predict reviews they were not fitted on better than the current ones "
            f"(log loss on the time-series splits {result.split_current.log_loss:.4f} -> {result.split_fitted.log_loss:.4f}). "
            "Use --force to save them anyway."
        )


def _verdict(report: OptimizeReport) -> str:
    """One sentence a non-expert understands: is it better, what would change, what to do."""
    result = report.result
    gain = result.split_current.log_loss - result.split_fitted.log_loss
    if result.better:
        head = f"Your fitted parameters predict your recall better on reviews they had not seen (log loss {gain / result.split_current.log_loss:.1%} lower)"
    else:
        head = "Your fitted parameters do not predict your recall better than the current ones on reviews they had not seen"
    change = result.interval_change
    if change is None:
        intervals = ""
    elif abs(change) < 0.005:
        intervals = "; your intervals would stay about the same"
    else:
        intervals = f"; your intervals would be {abs(change):.0%} {'longer' if change > 0 else 'shorter'} on average"
    if report.saved:
        action = "; run srs reschedule to apply them to your cards."
    elif report.dry_run and result.better:
        action = "; run srs optimize without --dry-run to save them, then srs reschedule."
    else:
        action = "."
    return f"[bold]{head}{intervals}{action}[/bold]"


def render_retention(console: Console, report: RetentionReport) -> None:
    advice = report.advice
    inputs = advice.inputs
    scope = f"deck {escape(report.deck)} (preset {escape(report.preset)})" if report.deck else f"preset {escape(report.preset)}"
    console.print(
        f"Simulated {inputs.days} days of {scope}: {inputs.deck_size:,} cards learned at up to {inputs.new_per_day} new "
        f"and {inputs.reviews_per_day} reviews a day, with the preset's parameters."
    )
    table = Table(title="Desired retention vs workload (averages per day over the simulated year)", title_justify="left")
    table.add_column("Retention", justify="right")
    table.add_column("Reviews/day", justify="right")
    table.add_column("Min/day", justify="right")
    table.add_column("Remembered", justify="right")
    table.add_column("Per hour", justify="right")
    table.add_column("")
    for row in advice.rows:
        least = abs(row.retention - advice.best) < 1e-9
        marks = []
        if abs(row.retention - advice.current) < 1e-9:
            marks.append("current")
        if least:
            marks.append("recommended" if advice.recommended is not None else "least cost")
        table.add_row(
            f"{row.retention:.2f}",
            f"{row.reviews_per_day:,.1f}",
            f"{row.minutes_per_day:,.1f}",
            f"{row.remembered:,.0f}",
            f"{row.remembered_per_hour:,.1f}",
            ", ".join(marks),
            style="bold" if least else "",
        )
    console.print(table)
    sources = []
    sources.append("your first answers" if inputs.first_rating_prob is not None else "fsrs-rs's default first answers")
    sources.append("your Hard/Good/Easy shares" if inputs.review_rating_prob is not None else "default Hard/Good/Easy shares")
    sources.append("your answer times" if inputs.state_rating_costs is not None else "default answer times")
    learned = advice.rows[0].learned if advice.rows else 0
    console.print(
        f"[dim]Remembered: of the {learned:,} cards learned, how many you would recall at the end of the year; "
        f"per hour: cards remembered per hour of study. The simulation uses {', '.join(sources)}.[/dim]"
    )
    console.print(retention_sentence(advice))


def retention_sentence(advice: RetentionAdvice) -> str:
    """What the search found, plainly: an optimum inside 0.70-0.99, or only a boundary."""
    low, high = RETENTION_RANGE
    if advice.boundary is not None:
        end, beyond = (low, "lower") if advice.boundary == "lower" else (high, "higher")
        return (
            f"No optimum inside the range Anki allows ({low:.2f} to {high:.2f}): the study time per card remembered is least "
            f"at {advice.best:.2f}, at the {advice.boundary} end of the range ({end:.2f}) as far as the simulation can tell "
            f"(±0.02), and may keep falling at {beyond} retentions, so this is a limit of the range, not a recommendation. "
            "Compare the rows above: the minutes a day you would save against the cards you would forget."
        )
    text = (
        f"Recommended desired retention: [bold]{advice.best:.2f}[/bold] (the least study time per card remembered, "
        f"searched from {low:.2f} to {high:.2f} in steps of 0.01)."
    )
    if abs(advice.best - advice.current) >= 0.005:
        return text + f" To use it: [bold]srs config set desired_retention {advice.best:.2f}[/bold] then [bold]srs reschedule[/bold]."
    return text + " Your desired retention is already the recommended one."


def render_reschedule(console: Console, report: RescheduleReport, *, outcome: bool = True) -> None:
    """The counts; then (``outcome``) what was done or, for a dry run, that nothing was."""
    scope = f"deck {escape(report.deck)}" if report.deck else "the collection"
    presets = "; ".join(f"preset {escape(name)}, desired retention {retention:.2f}" for name, retention in report.presets)
    console.print(f"Replayed the logs of {report.replayed:,} of the {report.cards:,} cards in {scope}" + (f" ({presets})." if presets else "."))
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column()
    table.add_column(justify="right")
    table.add_row("cards whose state changes", f"{report.changed:,}")
    table.add_row("cards whose due date moves", f"{report.moved:,} ({report.earlier:,} earlier, {report.later:,} later)")
    table.add_row("due today", f"{report.due_today_before:,} now -> {report.due_today_after:,} after")
    console.print(table)
    if report.slow_path:
        console.print("[yellow]Note:[/yellow] the fast replay differed from the scheduler on a sample card; every card was replayed by the scheduler itself.")
    if not outcome:
        return
    if report.dry_run:
        console.print("Dry run: nothing changed." + (" Run srs reschedule without --dry-run to apply." if report.changed else ""))
    elif report.changed:
        console.print(f"Done: {report.changed:,} cards updated.")
    else:
        console.print("Nothing to do: every card already matches its log.")


def render_revlog_problems(console: Console, report: RevlogImport) -> None:
    """Bad rows, one ``Warning: path:line: ...`` line each (on the error console)."""
    for problem in report.problems[:MAX_PROBLEMS_SHOWN]:
        console.print(f"Warning: {escape(report.path)}:{problem.line}: {escape(problem.message)} (row skipped)", soft_wrap=True)
    hidden = len(report.problems) - MAX_PROBLEMS_SHOWN
    if hidden > 0:
        console.print(f"Warning: {escape(report.path)}: {hidden:,} more bad rows skipped", soft_wrap=True)


def render_revlog_import(console: Console, report: RevlogImport) -> None:
    verb = "Would import" if report.dry_run else "Imported"
    cards = report.cards_created + report.cards_attached
    console.print(f"{verb} {plural(report.reviews_added, 'review')} of {plural(cards, 'card')} from {escape(report.path)}.")
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column()
    table.add_column(justify="right")
    table.add_row(f"new placeholder cards (deck {escape(report.deck)})", f"{report.cards_created:,}")
    table.add_row("existing cards given reviews", f"{report.cards_attached:,}")
    table.add_row("reviews already in the collection", f"{report.reviews_present:,}")
    table.add_row("bad rows skipped", f"{len(report.problems):,} of {report.data_rows:,}")
    console.print(table)
    if report.dry_run:
        console.print("Dry run: nothing changed.")
    elif report.reviews_added:
        console.print("Next: [bold]srs optimize[/bold] fits your FSRS parameters to this history.")
