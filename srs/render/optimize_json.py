"""``--json`` of ``srs optimize``, ``srs optimize --retention`` and ``srs reschedule --dry-run``:
every figure the terminal shows, as one JSON document (schema in the README). Pure."""

from __future__ import annotations

import math
from typing import Any

from srs.app.optimize import OptimizeReport, RetentionReport
from srs.app.reschedule import RescheduleReport
from srs.domain.evaluation import Evaluation
from srs.domain.workload import RETENTION_RANGE, Workload, cost_per_card

SCHEMA_VERSION = 1
METRICS = "unweighted (every review once, as the srs-benchmark); log loss and RMSE over bins"


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def _evaluation(evaluation: Evaluation) -> dict[str, float | None]:
    return {"log_loss": _number(evaluation.log_loss), "rmse_bins": _number(evaluation.rmse_bins)}


def optimize_json(report: OptimizeReport) -> dict[str, Any]:
    result = report.result
    held_out = result.split_items - result.split_items // 6
    return {
        "version": SCHEMA_VERSION,
        "kind": "optimize",
        "preset": report.preset,
        "deck": report.deck,
        "reviews": report.reviews,
        "training_items": result.items,
        "metrics": METRICS,
        "current_parameters": list(result.current_parameters),
        "fitted_parameters": list(result.parameters),
        "all_reviews": {"reviews": result.items, "current": _evaluation(result.current), "fitted": _evaluation(result.fitted)},
        "time_series_splits": {
            "reviews": held_out,
            "items": result.split_items,
            "current": _evaluation(result.split_current),
            "fitted": _evaluation(result.split_fitted),
        },
        "better": result.better,
        "better_by": "log loss on the time-series splits (out of sample)",
        "interval_change": _number(result.interval_change),
        "saved": report.saved,
        "forced": report.forced,
        "dry_run": report.dry_run,
        "other_decks": report.other_decks,
    }


def _workload(row: Workload) -> dict[str, Any]:
    return {
        "retention": row.retention,
        "reviews_per_day": row.reviews_per_day,
        "minutes_per_day": row.minutes_per_day,
        "remembered": row.remembered,
        "remembered_per_hour": row.remembered_per_hour,
        "minutes_per_card_remembered": _number(cost_per_card(row)),
        "learned": row.learned,
    }


def retention_json(report: RetentionReport) -> dict[str, Any]:
    advice = report.advice
    inputs = advice.inputs
    return {
        "version": SCHEMA_VERSION,
        "kind": "optimal_retention",
        "preset": report.preset,
        "deck": report.deck,
        "range": list(RETENTION_RANGE),
        "current": advice.current,
        "least_cost": advice.best,
        "boundary": advice.boundary,
        "recommended": advice.recommended,
        "simulation": {
            "days": inputs.days,
            "cards": inputs.deck_size,
            "new_per_day": inputs.new_per_day,
            "reviews_per_day": inputs.reviews_per_day,
            "own_first_answers": inputs.first_rating_prob is not None,
            "own_review_answers": inputs.review_rating_prob is not None,
            "own_answer_times": inputs.state_rating_costs is not None,
        },
        "table": [_workload(row) for row in advice.rows],
        "searched": [_workload(row) for row in advice.searched],
    }


def reschedule_json(report: RescheduleReport) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "kind": "reschedule",
        "deck": report.deck,
        "dry_run": report.dry_run,
        "presets": [{"name": name, "desired_retention": retention} for name, retention in report.presets],
        "cards": report.cards,
        "replayed": report.replayed,
        "changed": report.changed,
        "moved": report.moved,
        "earlier": report.earlier,
        "later": report.later,
        "due_today_before": report.due_today_before,
        "due_today_after": report.due_today_after,
    }
