"""Measures the pure engine: microseconds per assess and next_question, and knowledge-base load time; changes nothing.

Every figure is the median of many timed runs (each run a batch of calls, garbage collection off, as timeit does),
and is also shown as a ratio to baselines measured in the same run: one `posterior` call (the engine's innermost
step) and an empty call (the timing floor). The machine is shared and noisy, so the ratios are what compare across
runs; the absolute figures only describe this one. Bounded to about twenty seconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import timeit
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from skill.engine import Facts, FactValue, assess, known_findings, next_question  # noqa: E402
from skill.engine.assess import posterior  # noqa: E402
from skill.knowledge import compile_knowledge_base, load_knowledge_base  # noqa: E402
from skill.knowledge.loader import DATA_DIR, read_knowledge_files  # noqa: E402

__all__ = ["STATES", "Timing", "main", "measure"]

# The three moments of a conversation the engine is called in.
STATES: dict[str, tuple[dict[str, FactValue], tuple[str, ...]]] = {
    # "Alexa, ask muscle coach why my muscles are twitching"
    "bare opening": ({}, ()),
    # Screen answered no, then "yes, it was hot": the engine weighs what to ask third.
    "mid-interview": ({"screen_positive": False, "hot_conditions": True}, ("safety_screen", "heat")),
    # "my calves are twitching after a two hour run in the heat, I had two coffees"
    "one-shot report": (
        {
            "muscles": ("calf",),
            "workout": "run",
            "workout_minutes": 120,
            "hot_conditions": True,
            "caffeine_mg": 190,
        },
        (),
    ),
}

_BATCH_SECONDS = 0.02


@dataclass(frozen=True, slots=True)
class Timing:
    """Seconds per call: the median and the fastest over all runs."""

    what: str
    median: float
    best: float
    runs: int


def measure(
    what: str, call: Callable[[], object], repeat: int, batch_seconds: float = _BATCH_SECONDS
) -> Timing:
    """Time `call` in batches of about `batch_seconds`, `repeat` times; per-call median and best."""
    timer = timeit.Timer(call)
    number = 1
    while (elapsed := timer.timeit(number)) < batch_seconds / 4 and number < 1_000_000:
        number *= 4
    number = max(1, round(number * batch_seconds / max(elapsed, 1e-9)))
    per_call = [total / number for total in timer.repeat(repeat=repeat, number=number)]
    return Timing(what, statistics.median(per_call), min(per_call), repeat)


def measure_load(what: str, load: Callable[[], object], runs: int) -> Timing:
    """Time a cold load once per run (each run loads from scratch)."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        load()
        samples.append(time.perf_counter() - start)
    return Timing(what, statistics.median(samples), min(samples), runs)


def _micro(seconds: float) -> str:
    return f"{seconds * 1e6:10.1f}"


def _table(rows: Sequence[Timing], baseline: Timing, floor: Timing) -> list[str]:
    lines = [f"{'what':44} {'median us':>10} {'best us':>10} {'x posterior':>12} {'x empty call':>13}"]
    for row in rows:
        lines.append(
            f"{row.what:44} {_micro(row.median)} {_micro(row.best)} "
            f"{row.median / baseline.median:12.1f} {row.median / floor.median:13.0f}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=25, help="timed runs per engine figure (default 25)")
    parser.add_argument(
        "--loads", type=int, default=11, help="timed knowledge-base loads from YAML (default 11)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()

    kb = load_knowledge_base()
    floor = measure("empty call (timing floor)", lambda: None, args.repeat)
    baseline = measure("posterior, nothing said (baseline)", lambda: posterior(kb, {}), args.repeat)
    rows = [floor, baseline]
    for state, (values, asked) in STATES.items():
        facts = Facts.build(kb, values, asked)
        findings = known_findings(kb, facts)
        rows.append(measure(f"posterior, {state}", partial(posterior, kb, findings), args.repeat))
        rows.append(measure(f"assess, {state}", partial(assess, kb, facts), args.repeat))
        rows.append(measure(f"next_question, {state}", partial(next_question, kb, facts), args.repeat))

    with tempfile.TemporaryDirectory() as tmp:
        compiled_dir = Path(tmp)
        compile_knowledge_base(compiled_dir)
        uncached = load_knowledge_base.__wrapped__
        compiled = measure_load(
            "load compiled knowledge base", lambda: uncached(compiled_dir), args.repeat * 8
        )
        from_yaml = measure_load(
            "load knowledge base from YAML", partial(read_knowledge_files, DATA_DIR), args.loads
        )

    print(f"Muscle Coach engine benchmark (Python {sys.version.split()[0]}; medians of {args.repeat} runs)")
    print()
    for line in _table(rows, baseline, floor):
        print(line)
    print()
    print(f"{'knowledge base':44} {'median ms':>10} {'best ms':>10} {'runs':>12}")
    for load in (compiled, from_yaml):
        print(f"{load.what:44} {load.median * 1e3:10.3f} {load.best * 1e3:10.3f} {load.runs:12d}")
    print()
    by_name = {row.what: row for row in rows}
    one_shot = by_name["next_question, one-shot report"]
    print(
        f"ratios: next_question (bare) = {by_name['next_question, bare opening'].median / baseline.median:.1f} "
        f"posterior calls; one-shot turn (assess + next_question) = "
        f"{(by_name['assess, one-shot report'].median + one_shot.median) * 1e3:.3f} ms; "
        f"YAML load / compiled load = {from_yaml.median / compiled.median:.0f}x"
    )
    print(f"(took {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
