"""What a set says at a glance: the numbers a professional brings to
supervision (how many positive moments, how long the interaction was out of
step, how quickly parent and baby found each other again)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from statistics import mean

from services.annotate.domain import Category, Event, Scheme
from services.annotate.rules import repair_latency_ms


@dataclass(frozen=True)
class Summary:
    """Also the API's answer for a set's summary (its response model)."""

    duration_ms: int
    events: int
    positive_moments: int
    by_category: dict[str, int]
    by_code: dict[str, int]
    mismatches: int
    mismatch_total_ms: int
    mismatch_share: float
    repaired_mismatches: int
    unrepaired_mismatches: int
    mean_repair_latency_ms: float | None


def covered_ms(spans: list[tuple[int, int]]) -> int:
    """Total time covered by possibly overlapping spans (overlap counted once)."""
    total, reach = 0, None
    for start, end in sorted(spans):
        if reach is None or start > reach:
            total += end - start
            reach = end
        elif end > reach:
            total += end - reach
            reach = end
    return total


def summarise(events: list[Event], scheme: Scheme, duration_ms: int) -> Summary:
    """``positive_moments`` counts every event of a positive code (a moment or a
    stretch); mismatch time counts overlapping mismatches once."""
    def category(event: Event) -> Category:
        code = scheme.code(event.code)
        return code.category if code else Category.other

    by_id = {e.id: e for e in events if e.id}
    mismatches = [e for e in events if category(e) is Category.mismatch]
    repairs = [e for e in events if category(e) is Category.repair and e.repairs in by_id]
    latencies = [lat for r in repairs
                 if (lat := repair_latency_ms(r, by_id.get(r.repairs or ""))) is not None]
    repaired = {r.repairs for r in repairs}
    total = covered_ms([(e.start_ms, e.end_ms) for e in mismatches if e.end_ms is not None])
    return Summary(
        duration_ms=duration_ms,
        events=len(events),
        positive_moments=sum(category(e) is Category.positive for e in events),
        by_category=dict(Counter(str(category(e)) for e in events)),
        by_code=dict(Counter(e.code for e in events)),
        mismatches=len(mismatches),
        mismatch_total_ms=total,
        mismatch_share=round(total / duration_ms, 4) if duration_ms else 0.0,
        repaired_mismatches=sum(m.id in repaired for m in mismatches),
        unrepaired_mismatches=sum(m.id not in repaired for m in mismatches),
        mean_repair_latency_ms=round(mean(latencies), 1) if latencies else None,
    )
