"""The `muscle-coach` command: invoke, chat, serve, validate. Local only; Lambda never imports it."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = ["main"]

_ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = _ROOT / "interaction_models"
DEFAULT_LOCALE = "en-US"
MODEL_PATH = MODELS_DIR / f"{DEFAULT_LOCALE}.json"

Handle = Callable[[dict[str, Any]], dict[str, Any]]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="muscle-coach",
        description="Muscle Coach, the Alexa skill that explains muscle twitching after a workout, on your machine.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    invoke = commands.add_parser("invoke", help="print the response envelope for each request JSON file")
    invoke.add_argument("files", nargs="+", type=Path, metavar="FILE")
    invoke.add_argument(
        "--locale", help="send every request with this locale (default: each file's own, else en-US)"
    )
    chat = commands.add_parser("chat", help="talk to the skill by typing what you would say")
    chat.add_argument("--user", help="keep a persistent user with this id across runs")
    chat.add_argument("--show-intents", action="store_true", help="print the resolved intent and slots")
    chat.add_argument(
        "--locale",
        default=DEFAULT_LOCALE,
        help="the device's locale: understood with interaction_models/LOCALE.json, sent with every request"
        f" (default {DEFAULT_LOCALE})",
    )
    serve = commands.add_parser("serve", help="serve the skill over HTTP (POST /) as Alexa calls it")
    serve.add_argument(
        "--locale",
        default=DEFAULT_LOCALE,
        help=f"the locale of a request that carries none (default {DEFAULT_LOCALE}); others keep their own",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--no-verify", action="store_true", help="skip request verification (local tools only)"
    )
    serve.add_argument(
        "--skill-id", help="the skill id requests must carry (default: the SKILL_ID environment variable)"
    )
    commands.add_parser("validate", help="check the knowledge base and every locale's interaction model")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "validate":
        return _validate()
    if args.command == "invoke":
        return _invoke(args.files, args.locale)
    if args.command == "chat":
        return _chat(args.user, args.show_intents, args.locale)
    return _serve(args.host, args.port, args.no_verify, args.skill_id, args.locale)


def _validate() -> int:
    from skill.local.validate import validate_models

    problems = validate_models(MODELS_DIR)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    locales = ", ".join(sorted(path.stem for path in MODELS_DIR.glob("*.json")))
    print(
        f"knowledge base, phrase books and interaction models ({locales}) are valid and agree with the handlers"
    )
    return 0


def model_path(locale: str) -> Path | None:
    """interaction_models/<locale>.json, or None when no model is written for that locale."""
    path = MODELS_DIR / f"{locale}.json"
    return path if path.is_file() else None


def _with_locale(event: dict[str, Any], locale: str, *, replace: bool) -> dict[str, Any]:
    """The request with `locale` in it: always when `replace`, else only when it carries none."""
    request = event.get("request")
    if isinstance(request, dict) and (replace or not isinstance(request.get("locale"), str)):
        request["locale"] = locale
    return event


def _local_skill(default_locale: str = DEFAULT_LOCALE) -> Handle:
    """The skill for local tools (chat, invoke, serve --no-verify): days in MUSCLE_COACH_TIME_ZONE's zone, else
    this machine's, never asking Amazon's Settings API (local requests carry no real access token); a request
    without a locale is answered as one in `default_locale`."""
    from skill.app import build_skill, build_store, configured_time_zone, handle_event

    zone = configured_time_zone() or datetime.now().astimezone().tzinfo
    skill = build_skill(build_store(), time_zone=zone)

    def handle(event: dict[str, Any]) -> dict[str, Any]:
        return handle_event(_with_locale(event, default_locale, replace=False), skill)

    return handle


def _invoke(files: list[Path], locale: str | None = None) -> int:
    handle_event = _local_skill()

    status = 0
    for path in files:
        try:
            event = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"{path}: cannot read a JSON request: {exc}", file=sys.stderr)
            status = 1
            continue
        problem = _not_a_request(event)
        if problem:
            print(f"{path}: not an Alexa request: {problem}", file=sys.stderr)
            status = 1
            continue
        if locale is not None:
            _with_locale(event, locale, replace=True)
        print(json.dumps(handle_event(event), indent=2))
    return status


def _not_a_request(event: object) -> str | None:
    """Why a JSON document is not an Alexa request envelope at all (the skill judges the rest), or None."""
    if not isinstance(event, dict):
        return f"the JSON is {type(event).__name__ if event is not None else 'null'}, not an object"
    request = event.get("request")
    if not isinstance(request, dict) or not isinstance(request.get("type"), str):
        return 'it has no "request" object with a "type"'
    return None


def _chat(user: str | None, show_intents: bool, locale: str = DEFAULT_LOCALE) -> int:
    from skill.local.chat import run_chat
    from skill.local.resolver import UtteranceResolver

    path = model_path(locale)
    if path is None:
        known = ", ".join(sorted(p.stem for p in MODELS_DIR.glob("*.json")))
        print(
            f"muscle-coach chat: no interaction model for {locale!r} (locales with one: {known})",
            file=sys.stderr,
        )
        return 2
    user_id = f"amzn1.ask.account.{user}" if user else f"amzn1.ask.account.local-{uuid.uuid4().hex[:12]}"
    return run_chat(
        _local_skill(),
        resolver=UtteranceResolver.from_model_file(path),
        user_id=user_id,
        input_stream=sys.stdin,
        output_stream=sys.stdout,
        interactive=sys.stdin.isatty(),
        show_intents=show_intents,
        locale=locale,
    )


def _serve(host: str, port: int, no_verify: bool, skill_id: str | None, locale: str = DEFAULT_LOCALE) -> int:
    from skill.app import configured_skill_id, handle_event
    from skill.local.server import serve

    if no_verify:  # local tools, whose requests carry no real token for Amazon's API
        serve(_local_skill(locale), host=host, port=port, verifier=None)
        return 0
    from skill.local.verify import AlexaRequestVerifier

    skill_id = skill_id or configured_skill_id()
    if not skill_id:
        print(_NO_SKILL_ID, file=sys.stderr)
        return 2
    serve(handle_event, host=host, port=port, verifier=AlexaRequestVerifier(skill_id=skill_id))
    return 0


_NO_SKILL_ID = (
    "muscle-coach serve: verifying requests needs this skill's id, or requests for any skill would be accepted;"
    " pass --skill-id amzn1.ask.skill.<your-skill-id> or set SKILL_ID"
    " (the id is on the skill's Build > Endpoint page in the Alexa developer console)."
    " For local tools only, --no-verify turns verification off."
)
