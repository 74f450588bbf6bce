"""``srs optimize``: fit a preset's FSRS parameters to its cards' review log, score them against
the current ones, and save them when they are better; and recommend a desired retention.

The numerical work is in :mod:`srs.domain.optimizer` (pure); this module reads the log in bulk
(:mod:`srs.store.history`) and writes the preset in one short transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from srs.domain.optimizer import FitResult, Progress, RetentionAdvice, TrainingSet, optimize, recommend_retention, simulation_inputs, training_set
from srs.domain.scheduling import SchedulerSettings, parameters_problem
from srs.errors import CollectionError, SrsError
from srs.store.collection import (
    Collection,
    Session,  # the store owns the database session type
)
from srs.store.history import answer_stats, log_columns, preset_scope
from srs.store.models import Preset
from srs.store.presets import all_decks_use, decks_using_outside


def _quiet(_stage: str) -> None:
    pass


@dataclass(frozen=True)
class OptimizeReport:
    preset: str
    deck: str | None  # --deck, normalised
    reviews: int  # reviews in the log of the cards in scope
    result: FitResult
    saved: bool
    forced: bool
    dry_run: bool
    other_decks: int = 0  # decks outside --deck that share the preset (and its parameters)


def _check_parameters(preset: str, parameters: list[float]) -> None:
    """py-fsrs's own check of a preset's parameters (count and bounds), as one error line."""
    try:
        SchedulerSettings(parameters=tuple(float(p) for p in parameters)).scheduler()
    except (ValueError, TypeError) as error:
        detail = parameters_problem(error)
        raise CollectionError(f"preset {preset!r} has invalid FSRS parameters ({detail}); run srs check --fix") from None


@dataclass(frozen=True)
class _Target:
    """The preset being fitted, as read at the start."""
    preset_id: int
    name: str
    deck: str | None
    parameters: list[float]
    relearning_steps: int
    other_decks: int  # decks outside the scope that use the preset too
    desired_retention: float = 0.9


def _training(collection: Collection, deck: str | None, progress: Progress) -> tuple[_Target, TrainingSet]:
    progress("reading the review log")
    with collection.read() as session:
        scope = preset_scope(session, deck)
        preset = scope.preset
        others = decks_using_outside(session, preset.id, scope.deck_ids)
        log = log_columns(session, None if deck is None and all_decks_use(session, preset.id) else scope.deck_ids)
        target = _Target(preset.id, preset.name, scope.deck, list(preset.parameters), len(preset.relearning_steps), others,
            float(preset.desired_retention),
        )
        tz_name, day_start_hour = preset.timezone, preset.day_start_hour
    progress(f"building training items from {len(log):,} reviews")
    training = training_set(log.card_id, log.rating, log.reviewed_at, log.state_before, tz_name=tz_name, day_start_hour=day_start_hour)
    return target, training


def optimize_preset(
    collection: Collection,
    *,
    now: datetime,
    deck: str | None = None,
    force: bool = False,
    dry_run: bool = False,
    progress: Progress = _quiet,
) -> OptimizeReport:
    """Fit the parameters of ``deck``'s preset (default: the ``Default`` preset) to the log of
    its cards (``deck`` and its sub-decks; default: every deck using the preset); save them
    when they predict that log better than the current ones, or with ``force``."""
    target, training = _training(collection, deck, progress)
    preset_id, name, current = target.preset_id, target.name, target.parameters
    _check_parameters(name, current)
    result = optimize(
        training, current, num_relearning_steps=target.relearning_steps, progress=progress, desired_retention=target.desired_retention
    )
    save = not dry_run and (result.better or force)
    if save:
        progress("saving the parameters")

        def store(session: Session) -> None:
            preset = session.get(Preset, preset_id)
            if preset is None or [float(p) for p in preset.parameters] != [float(p) for p in current]:
                raise SrsError(f"preset {name!r} changed while optimizing; nothing saved, run srs optimize again")
            preset.parameters = list(result.parameters)
            preset.updated_at = now

        collection.transact(store)
    return OptimizeReport(name, target.deck, training.reviews, result, save, force and not result.better, dry_run, target.other_decks)


@dataclass(frozen=True)
class RetentionReport:
    preset: str
    deck: str | None
    advice: RetentionAdvice


def retention_advice(collection: Collection, *, deck: str | None = None, progress: Progress = _quiet) -> RetentionReport:
    """A desired retention for ``deck``'s preset from fsrs-rs's workload simulation, with the
    preset's parameters, limits and steps and the user's own rating shares and answer times."""
    progress("reading rating shares and answer times from the log")
    with collection.read() as session:
        scope = preset_scope(session, deck)
        preset = scope.preset
        stats = answer_stats(session, None if deck is None and all_decks_use(session, preset.id) else scope.deck_ids)
        inputs = simulation_inputs(
            stats.counts,
            stats.mean_seconds,
            cards=stats.cards,
            new_per_day=preset.new_per_day,
            reviews_per_day=preset.reviews_per_day,
            maximum_interval=preset.maximum_interval,
            learning_steps=len(preset.learning_steps),
            relearning_steps=len(preset.relearning_steps),
        )
        parameters = list(preset.parameters)
        current = float(preset.desired_retention)
        name = preset.name
    _check_parameters(name, parameters)
    if stats.cards == 0:
        raise SrsError("no cards to simulate" + (f" in deck {scope.deck!r}" if scope.deck else "") + " (run srs import first)")
    advice = recommend_retention(parameters, inputs, current=current, progress=progress)
    return RetentionReport(name, scope.deck, advice)
