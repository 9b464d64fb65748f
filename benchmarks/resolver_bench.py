"""Measures the typed conversation's understanding: microseconds to resolve one typed line; changes nothing.

The resolver turns what a developer types at `muscle-coach chat` into the intent and slots Alexa would send. A
reply should feel instant, so each kind of line (a one-shot report, a short answer, a red-flag report, something
the model does not know) is timed as the median of many batches, and shown as a ratio to a baseline measured in
the same run: normalising the same line (lower case, punctuation and fillers off), the first step of every
resolution. Building the resolver from the model file is timed too (it happens once, when a chat starts).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from engine_bench import measure, measure_load  # noqa: E402

from skill.local.resolver import UtteranceResolver, normalise_utterance  # noqa: E402

__all__ = ["LINES", "main"]

MODEL_PATH = ROOT / "interaction_models" / "en-US.json"

LINES: dict[str, str] = {
    "one-shot report": "my calves are twitching after a two hour run in the heat",
    "caffeine report": "I had two cups of coffee and now my calves are twitching",
    "red-flag report": "my arms are twitching and swollen and my pee is cola coloured",
    "short answer (duration)": "about an hour",
    "short answer (no)": "nope",
    "outside the model": "what's the weather like",
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per line (default 15)")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    build = measure_load(
        "build the resolver from the model file",
        partial(UtteranceResolver.from_model_file, MODEL_PATH),
        max(3, args.repeat // 3),
    )
    resolver = UtteranceResolver.from_model_file(MODEL_PATH)
    rows = []
    for kind, line in LINES.items():
        baseline = measure(f"normalise, {kind}", partial(normalise_utterance, line), args.repeat)
        resolved = measure(f"resolve, {kind}", partial(resolver.resolve, line), args.repeat)
        rows.append((kind, resolved, baseline))

    print(
        f"Muscle Coach typed-line resolution (Python {sys.version.split()[0]}; medians of {args.repeat} runs)"
    )
    print()
    print(f"{'line':26} {'resolve us':>11} {'best us':>10} {'normalise us':>13} {'x normalise':>12}")
    for kind, resolved, baseline in rows:
        print(
            f"{kind:26} {resolved.median * 1e6:11.1f} {resolved.best * 1e6:10.1f} "
            f"{baseline.median * 1e6:13.2f} {resolved.median / baseline.median:12.0f}"
        )
    slowest = max(rows, key=lambda row: row[1].median)
    print()
    print(f"{build.what}: {build.median * 1e3:.1f} ms median over {build.runs} builds")
    print(
        f"slowest line: {slowest[0]}, {slowest[1].median * 1e3:.2f} ms (a reply within 100 ms feels instant)"
    )
    print(f"(took {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
