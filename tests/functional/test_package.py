"""Functional tests of what ships: the Lambda zip `make package` builds, the SAM template, the skill manifest.

The zip is built twice per session into temporary directories: once for Lambda (manylinux2014_aarch64,
CPython 3.11), whose contents are inspected and which holds a whole conversation unzipped, and once for this
machine from the same script, which is unzipped and serves a LaunchRequest in a fresh, isolated interpreter
under `python -v`. The aarch64 build runs on other machines too as long as each of its compiled files is an
optional speed-up with a pure-Python twin (an extension built for another platform is never looked at). Both
builds come from the same code path and differ only in those compiled files (checked below).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import re
import stat
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import build_package  # noqa: E402
from fake_settings_api import fake_settings_api  # noqa: E402

SKILL_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000000000"
CACHE_DIR = ROOT / "build" / "pip-cache"
RUNTIME_VERSION = build_package.AWS_LAMBDA_ARM64.python_version
PYC_UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, source not checked


@pytest.fixture(scope="session")
def lambda_build(tmp_path_factory: pytest.TempPathFactory) -> build_package.BuildResult:
    out = tmp_path_factory.mktemp("lambda-arm64")
    return build_package.build_package(
        zip_path=out / "muscle-coach.zip", package_dir=out / "package", cache_dir=CACHE_DIR
    )


@pytest.fixture(scope="session")
def host_build(tmp_path_factory: pytest.TempPathFactory) -> build_package.BuildResult:
    out = tmp_path_factory.mktemp("lambda-host")
    return build_package.build_package(
        zip_path=out / "muscle-coach.zip",
        package_dir=out / "package",
        target=build_package.host_target(RUNTIME_VERSION),
        cache_dir=CACHE_DIR,
    )


@pytest.fixture(scope="session")
def lambda_names(lambda_build: build_package.BuildResult) -> list[str]:
    with zipfile.ZipFile(lambda_build.zip_path) as archive:
        return archive.namelist()


def _unzip_read_only(zip_path: Path, dest: Path) -> Path:
    """Unzip like Lambda does into /var/task: plain files, then nothing in it is writable."""
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(dest)
    for path in sorted(dest.rglob("*"), reverse=True):
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    dest.chmod(0o555)
    return dest


def _make_writable(tree: Path) -> None:
    for path in [tree, *tree.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def _launch_event() -> dict[str, Any]:
    event: dict[str, Any] = json.loads((ROOT / "events" / "launch.json").read_text())
    return event


# The end of every child script: `result`, with the modules loaded and those from outside the package and the
# standard library (the package dir is the only entry on sys.path besides the standard library).
_REPORT_RESULT = """
stdlib = tuple({sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]})
foreign = sorted(
    name for name, module in list(sys.modules.items())
    if isinstance(getattr(module, "__file__", None), str)
    and not module.__file__.startswith((package + "/", *stdlib))
)
with open(result_file, "w") as out:
    json.dump({**result, "foreign": foreign, "modules": sorted(sys.modules)}, out)
"""

_SERVE_ONE_EVENT = (
    """
import json, sys, sysconfig
package, event_file, result_file = sys.argv[1:4]
from lambda_function import lambda_handler
result = {"response": lambda_handler(json.loads(open(event_file).read()), None)}
"""
    + _REPORT_RESULT
)


@pytest.fixture(scope="session")
def served_launch(
    host_build: build_package.BuildResult, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """A LaunchRequest through the unzipped host build: `python -S -s -P`, PYTHONPATH = that dir only."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" != RUNTIME_VERSION:
        pytest.skip(f"this Python is not {RUNTIME_VERSION}, the Lambda runtime the package is built for")
    work = tmp_path_factory.mktemp("served")
    task_root = _unzip_read_only(host_build.zip_path, work / "task")
    before = sorted(p.relative_to(task_root).as_posix() for p in task_root.rglob("*"))
    event = _launch_event()
    event_file, result_file = work / "event.json", work / "result.json"
    with fake_settings_api(work) as settings_api:  # the device's time zone, asked as on Lambda
        event["context"]["System"]["apiEndpoint"] = settings_api.url
        event_file.write_text(json.dumps(event))
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(task_root),
            "SKILL_ID": event["context"]["System"]["application"]["applicationId"],
            "MUSCLE_COACH_HOME": str(work / "home"),
            "HOME": str(work / "home"),
            "REQUESTS_CA_BUNDLE": str(settings_api.ca_bundle),
            "NO_PROXY": "127.0.0.1",
        }
        command = [sys.executable, "-S", "-s", "-P", "-v", "-c", _SERVE_ONE_EVENT]
        command += [str(task_root), str(event_file), str(result_file)]
        completed = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=60)
    try:
        assert completed.returncode == 0, completed.stderr[-4000:]
        after = sorted(p.relative_to(task_root).as_posix() for p in task_root.rglob("*"))
        result: dict[str, Any] = json.loads(result_file.read_text())
        result["verbose_import_log"] = completed.stderr
        result["task_root"] = str(task_root)
        result["files_changed"] = before != after
        yield result
    finally:
        _make_writable(task_root)


# --- the SAM template and the build agree --------------------------------------------------------------


class _CloudFormationLoader(yaml.SafeLoader):
    """Reads templates with short-form intrinsics (!Ref, !GetAtt, ...) as plain values."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node)}
    assert isinstance(node, yaml.MappingNode)
    return {suffix: loader.construct_mapping(node)}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load((ROOT / "template.yaml").read_text(), Loader=_CloudFormationLoader)
    return loaded


def test_template_deploys_the_zip_make_package_builds_for_its_runtime(template: dict[str, Any]) -> None:
    function = template["Resources"]["SkillFunction"]["Properties"]
    assert ROOT / function["CodeUri"] == build_package.DEFAULT_ZIP
    assert function["Runtime"] == "python" + RUNTIME_VERSION
    assert function["Architectures"] == ["arm64"]
    assert build_package.AWS_LAMBDA_ARM64.platform.endswith("_aarch64")
    assert function["Handler"] == "lambda_function.lambda_handler"
    assert function["Timeout"] < 8, "Alexa gives up after 8 seconds"


def test_template_grants_only_the_store_operations_on_the_history_table(template: dict[str, Any]) -> None:
    function = template["Resources"]["SkillFunction"]["Properties"]
    [policy] = function["Policies"]
    [statement] = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == sorted(
        f"dynamodb:{action}"
        for action in ("Query", "GetItem", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem")
    )
    assert statement["Resource"] == {"GetAtt": "HistoryTable.Arn"}
    assert function["Environment"]["Variables"]["TABLE_NAME"] == {"Ref": "HistoryTable"}
    assert function["Environment"]["Variables"]["SKILL_ID"] == {"Ref": "SkillId"}
    assert function["Events"]["AlexaSkill"] == {
        "Type": "AlexaSkill",
        "Properties": {"SkillId": {"Ref": "SkillId"}},
    }
    assert "Default" not in template["Parameters"]["SkillId"], "the skill id must be given at deploy time"


def test_template_history_table_matches_the_store_layout(template: dict[str, Any]) -> None:
    table = template["Resources"]["HistoryTable"]["Properties"]
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"] == {"SSEEnabled": True}


# --- the Lambda (aarch64) zip: contents -----------------------------------------------------------------


def test_lambda_zip_has_the_entry_at_its_root_and_the_skill_package(lambda_names: list[str]) -> None:
    assert "lambda_function.py" in lambda_names
    assert "__pycache__/lambda_function.cpython-311.pyc" in lambda_names
    assert "skill/app.py" in lambda_names


def test_lambda_zip_leaves_out_what_the_runtime_provides(lambda_names: list[str]) -> None:
    top_level = {name.split("/", 1)[0].split("-", 1)[0].lower() for name in lambda_names}
    assert not top_level & {"boto3", "botocore", "s3transfer", "jmespath"}


def test_lambda_zip_leaves_out_tests_dev_tools_and_installer_files(lambda_names: list[str]) -> None:
    offending = [
        name
        for name in lambda_names
        if name.startswith(("skill/local/", "bin/"))
        or (name.startswith("skill/") and name.endswith("/__main__.py"))
        or re.search(r"(^|/)(tests?|testing)/|(^|/)(test_[^/]*|conftest)\.py$", name)
        or name.endswith((".pyi", "/RECORD", "/INSTALLER"))
    ]
    assert offending == []


def test_lambda_zip_has_unchecked_hash_bytecode_for_python_311_and_no_other(
    lambda_build: build_package.BuildResult, lambda_names: list[str]
) -> None:
    names = set(lambda_names)
    sources = [name for name in names if name.endswith(".py")]
    assert len(sources) > 100
    missing = [
        source
        for source in sources
        if f"{source.rpartition('/')[0]}/__pycache__/{Path(source).stem}.cpython-311.pyc".lstrip("/")
        not in names
    ]
    assert missing == []
    bytecode = [name for name in names if name.endswith(".pyc")]
    assert all(name.endswith(".cpython-311.pyc") and "/__pycache__/" in f"/{name}" for name in bytecode)
    with zipfile.ZipFile(lambda_build.zip_path) as archive:
        flags = {int.from_bytes(archive.read(name)[4:8], "little") for name in bytecode}
    assert flags == {PYC_UNCHECKED_HASH}, "timestamp .pyc would be recompiled on every cold start"


@pytest.mark.parametrize(
    ("data_dir", "compiled"),
    [("skill/knowledge/data/", "knowledge.pickle"), ("skill/speech/phrases/", "phrases.pickle")],
)
def test_lambda_zip_carries_the_compiled_knowledge_and_phrases_instead_of_their_yaml(
    lambda_names: list[str], data_dir: str, compiled: str
) -> None:
    shipped = [name for name in lambda_names if name.startswith(data_dir)]
    assert shipped == [data_dir + compiled]


def test_lambda_zip_compiled_extensions_are_built_for_lambda_arm64(lambda_names: list[str]) -> None:
    extensions = [name for name in lambda_names if name.endswith(".so")]
    assert all("aarch64" in name for name in extensions), extensions


def test_lambda_zip_leaves_out_what_only_validates_the_knowledge_yaml(lambda_names: list[str]) -> None:
    # The knowledge base ships compiled, so its schema and the libraries behind it would be dead weight.
    top_level = {name.split("/")[0] for name in lambda_names}
    assert not {"pydantic", "pydantic_core", "yaml", "_yaml", "annotated_types"} & top_level
    assert "skill/knowledge/schema.py" not in lambda_names
    assert "skill/knowledge/loader.py" in lambda_names


def test_lambda_zip_leaves_out_what_only_the_cli_needs(lambda_names: list[str]) -> None:
    # cryptography verifies requests for `muscle-coach serve`; Lambda is called by Alexa's own trigger.
    top_level = {name.split("/")[0].split("-")[0].lower() for name in lambda_names}
    assert not {"cryptography", "cffi", "_cffi_backend", "pycparser"} & top_level
    assert not [name for name in lambda_names if name.startswith("skill/local/")]


def _installed_closure(requirements: list[str]) -> set[str]:
    """The installed distributions `requirements` pull in, transitively; extras and unmet markers left out."""
    found: set[str] = set()
    pending = [Requirement(line) for line in requirements]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in found or (
            requirement.marker is not None and not requirement.marker.evaluate({"extra": ""})
        ):
            continue
        found.add(name)
        pending += [Requirement(line) for line in importlib.metadata.requires(requirement.name) or []]
    return found


_IMPORT_THE_CLI = """
import json, sys
at_startup = set(sys.modules)  # what site and .pth files load before any project code
from skill.app import handle_event
from skill.local import chat, cli, resolver, server, verify
verify.AlexaRequestVerifier(skill_id="amzn1.ask.skill.test")
handle_event(json.load(open(sys.argv[1])))
print(json.dumps(sorted({name.partition(".")[0] for name in set(sys.modules) - at_startup})))
"""


def test_a_plain_install_brings_everything_chat_and_serve_import(tmp_path: Path) -> None:
    # `pip install muscle-coach` installs the main dependencies only: serve and chat must need nothing else.
    completed = subprocess.run(
        [sys.executable, "-c", _IMPORT_THE_CLI, str(ROOT / "events" / "launch.json")],
        env={**os.environ, "MUSCLE_COACH_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    providers = importlib.metadata.packages_distributions()
    imported = {
        canonicalize_name(dist)
        for module in json.loads(completed.stdout)
        for dist in providers.get(module, [])
    }
    installed_with_the_package = _installed_closure(build_package.project_requirements())
    assert sorted(imported - installed_with_the_package - {"muscle-coach"}) == []


def test_dependencies_shared_with_the_runtime_botocore_stay_within_its_pins(
    lambda_build: build_package.BuildResult,
) -> None:
    # The package precedes the runtime's boto3 on sys.path, so these copies are the ones botocore imports.
    pins = {}
    for line in importlib.metadata.requires("botocore") or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            pins[requirement.name.lower()] = requirement.specifier
    shipped = {}
    for metadata in lambda_build.package_dir.glob("*.dist-info/METADATA"):
        headers = dict(line.split(": ", 1) for line in metadata.read_text().splitlines()[:3] if ": " in line)
        shipped[headers["Name"].lower()] = headers["Version"]
    shared = sorted(pins.keys() & shipped.keys())
    assert "python-dateutil" in shared
    assert [name for name in shared if not pins[name].contains(shipped[name])] == []


def test_lambda_zip_is_byte_for_byte_reproducible(
    lambda_build: build_package.BuildResult, tmp_path: Path
) -> None:
    again = tmp_path / "again.zip"
    build_package.write_zip(lambda_build.package_dir, again)
    digest = hashlib.sha256(again.read_bytes()).hexdigest()
    assert digest == hashlib.sha256(lambda_build.zip_path.read_bytes()).hexdigest()
    with zipfile.ZipFile(again) as archive:
        assert {info.date_time for info in archive.infolist()} == {build_package.ZIP_EPOCH}


def test_host_build_differs_from_the_lambda_build_only_in_compiled_extensions(
    lambda_build: build_package.BuildResult, host_build: build_package.BuildResult
) -> None:
    def portable(package_dir: Path) -> set[str]:
        return {
            path.relative_to(package_dir).as_posix()
            for path in package_dir.rglob("*")
            if path.is_file() and path.suffix != ".so" and path.name != "WHEEL"
        }

    assert portable(lambda_build.package_dir) == portable(host_build.package_dir)


# --- the package serves a request from a clean directory ------------------------------------------------


def test_unzipped_package_serves_a_launch_request_with_nothing_else_on_the_path(
    served_launch: dict[str, Any],
) -> None:
    envelope = served_launch["response"]
    assert envelope["version"] == "1.0"
    speech = envelope["response"]["outputSpeech"]
    assert speech["type"] == "SSML" and speech["ssml"].startswith("<speak>") and len(speech["ssml"]) > 20
    assert envelope["response"]["shouldEndSession"] is False, (
        "a launch invites the user to describe the twitch"
    )
    assert served_launch["foreign"] == [], "modules came from outside the package and the standard library"
    assert "boto3" not in served_launch["modules"], "boto3 must load only when TABLE_NAME is set"
    assert envelope["sessionAttributes"]["timeZone"] == "America/Los_Angeles", "asked the (fake) Settings API"


def test_unzipped_package_runs_from_its_ahead_of_time_bytecode_and_writes_nothing(
    served_launch: dict[str, Any],
) -> None:
    task_root = served_launch["task_root"]
    loads = re.findall(
        r"^# code object from '?([^'\n]+)'?$", served_launch["verbose_import_log"], re.MULTILINE
    )
    from_package = [path for path in loads if path.startswith(task_root + "/")]
    assert f"{task_root}/skill/__pycache__/app.cpython-311.pyc" in from_package
    assert [path for path in from_package if not path.endswith(".pyc")] == [], "compiled from source"
    assert served_launch["files_changed"] is False


def _without_pure_python_twin(package_dir: Path) -> list[str]:
    """Compiled extensions of a package that have no `.py` of the same module beside them."""
    return sorted(
        path.relative_to(package_dir).as_posix()
        for path in package_dir.rglob("*.so")
        if not path.with_name(path.name.split(".", 1)[0] + ".py").is_file()
    )


def test_lambda_build_holds_a_whole_conversation_to_a_verdict(
    lambda_build: build_package.BuildResult, tmp_path: Path
) -> None:
    if f"{sys.version_info.major}.{sys.version_info.minor}" != RUNTIME_VERSION:
        pytest.skip(f"this Python is not {RUNTIME_VERSION}, the Lambda runtime the package is built for")
    required = _without_pure_python_twin(lambda_build.package_dir)
    if required and platform.machine() not in {"aarch64", "arm64"}:
        pytest.skip(
            f"the aarch64 build needs compiled modules that cannot load on {platform.machine()}: {required}"
        )
    task_root = _unzip_read_only(lambda_build.zip_path, tmp_path / "task")
    try:
        events = [json.loads((ROOT / "events" / f"{name}.json").read_text()) for name in _CONVERSATION]
        event_file, result_file = tmp_path / "events.json", tmp_path / "result.json"
        event_file.write_text(json.dumps(events))
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(task_root),
            "SKILL_ID": SKILL_ID,
            "MUSCLE_COACH_HOME": str(tmp_path / "home"),
            "HOME": str(tmp_path / "home"),
        }
        command = [sys.executable, "-S", "-s", "-P", "-c", _HOLD_A_CONVERSATION, str(task_root)]
        command += [str(event_file), str(result_file)]
        completed = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert completed.returncode == 0, completed.stderr[-4000:]
        result = json.loads(result_file.read_text())
    finally:
        _make_writable(task_root)
    replies = result["replies"]
    assert [reply["response"]["shouldEndSession"] for reply in replies[:2]] == [False, False]
    assert "Sorry, I couldn't" not in json.dumps(replies)
    verdicts = [reply for reply in replies if "assessment" in (reply.get("sessionAttributes") or {})]
    assert verdicts, "no turn reached a verdict"
    assert verdicts[0]["sessionAttributes"]["assessment"]["triage"] in {"self_care", "doctor", "urgent"}
    assert result["foreign"] == [], "modules came from outside the package and the standard library"
    assert not {"pydantic", "yaml", "boto3"} & set(result["modules"])


# Launch, a one-shot report, then "no" to every question until the verdict.
_CONVERSATION = ("launch", "report_oneshot", *["answer_no"] * 7)

# Runs in the child: each event in turn, session attributes carried as Alexa carries them.
_HOLD_A_CONVERSATION = (
    """
import json, sys, sysconfig
package, events_file, result_file = sys.argv[1:4]
from lambda_function import lambda_handler
attributes, replies = {}, []
for event in json.loads(open(events_file).read()):
    if event["session"]["new"] is False:
        event["session"]["attributes"] = attributes
    reply = lambda_handler(event, None)
    replies.append(reply)
    attributes = reply.get("sessionAttributes") or {}
    if reply["response"].get("shouldEndSession") is not False or "assessment" in attributes:
        break
result = {"replies": replies}
"""
    + _REPORT_RESULT
)


# --- the skill manifest ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((ROOT / "skill-package" / "skill.json").read_text())["manifest"]
    return loaded


def interaction_model(locale: str) -> dict[str, Any]:
    path = ROOT / "interaction_models" / f"{locale}.json"
    assert path.is_file(), f"{path} is missing; the manifest's example phrases are checked against it"
    model: dict[str, Any] = json.loads(path.read_text())["interactionModel"]["languageModel"]
    return model


def test_ask_cli_resources_point_at_the_skill_package() -> None:
    resources = json.loads((ROOT / "ask-resources.json").read_text())
    source = resources["profiles"]["default"]["skillMetadata"]["src"]
    assert (ROOT / source / "skill.json").is_file()


LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
# The words each locale's disclaimer uses: its doctor (medical-facts: "your GP" in en-GB and en-AU) and its number.
DISCLAIMER_WORDS = {
    "en-US": ("Call your doctor for medical advice", "911 in the US"),
    "en-GB": ("Call your GP for medical advice", "999 in the UK"),
    "en-CA": ("Call your doctor for medical advice", "911 in Canada"),
    "en-AU": ("Call your GP for medical advice", "triple zero, 000, in Australia"),
    "en-IN": ("Consult your doctor for medical advice", "112 in India"),
}


def test_manifest_publishes_muscle_coach_in_every_english_locale_under_health_and_fitness(
    manifest: dict[str, Any],
) -> None:
    publishing = manifest["publishingInformation"]
    assert tuple(publishing["locales"]) == LOCALES
    assert all(publishing["locales"][locale]["name"] == "Muscle Coach" for locale in LOCALES)
    assert publishing["category"] == "HEALTH_AND_FITNESS"
    assert publishing["isAvailableWorldwide"] is False
    assert publishing["distributionCountries"] == ["US", "GB", "CA", "AU", "IN"]
    assert tuple(manifest["privacyAndCompliance"]["locales"]) == LOCALES


def test_every_locale_has_an_interaction_model_and_the_manifest_publishes_every_model(
    manifest: dict[str, Any],
) -> None:
    models = {path.stem for path in (ROOT / "interaction_models").glob("*.json")}
    assert models == set(manifest["publishingInformation"]["locales"])


@pytest.mark.parametrize("locale", LOCALES)
def test_manifest_description_carries_the_health_disclaimer(manifest: dict[str, Any], locale: str) -> None:
    description = " ".join(manifest["publishingInformation"]["locales"][locale]["description"].split())
    doctor, number = DISCLAIMER_WORDS[locale]
    for sentence in (
        "for informational and educational purposes only",
        "not a substitute for professional medical advice, treatment or diagnosis",
        doctor,
        f"In a medical emergency, dial your local emergency number ({number})",
    ):
        assert sentence in description


def test_manifest_subscribes_to_skill_disabled_on_the_skill_endpoint(manifest: dict[str, Any]) -> None:
    assert {"eventName": "SKILL_DISABLED"} in manifest["events"]["subscriptions"]
    endpoint = manifest["apis"]["custom"]["endpoint"]["uri"]
    assert re.fullmatch(r"arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+", endpoint)
    assert manifest["events"]["endpoint"]["uri"] == endpoint


@pytest.mark.parametrize("locale", LOCALES)
def test_manifest_names_https_privacy_and_terms_urls(manifest: dict[str, Any], locale: str) -> None:
    urls = manifest["privacyAndCompliance"]["locales"][locale]
    assert urls["privacyPolicyUrl"].startswith("https://")
    assert urls["termsOfUseUrl"].startswith("https://")


def test_one_endpoint_serves_every_locale(manifest: dict[str, Any]) -> None:
    """No per-region endpoints: the one function answers every locale, each in its own words."""
    assert set(manifest["apis"]["custom"]) == {"endpoint"}


# Words Alexa accepts between "ask <invocation name>" and the utterance itself.
_CONNECTING_WORDS = ("about", "to", "for", "if", "whether", "that", "and")


def _reaches_intent(utterance: str, intent_name: str, model: dict[str, Any]) -> bool:
    """True when a sample utterance of `intent_name` matches, every {slot} filled with a value or synonym of
    its custom type (samples with built-in slot types, whose values cannot be checked here, are not used)."""
    values: dict[str, set[str]] = {}
    for slot_type in model.get("types", []):
        names = values.setdefault(slot_type["name"], set())
        for value in slot_type["values"]:
            names |= {word.lower() for word in [value["name"]["value"], *value["name"].get("synonyms", [])]}
    [intent] = [intent for intent in model["intents"] if intent["name"] == intent_name]
    slot_types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
    for sample in intent.get("samples", []):
        parts = re.split(r"\{(\w+)\}", sample)
        if any(slot_types.get(slot) not in values for slot in parts[1::2]):
            continue
        pattern = "".join(re.escape(part) if i % 2 == 0 else "(.+?)" for i, part in enumerate(parts))
        match = re.fullmatch(pattern, utterance, re.IGNORECASE)
        if match and all(
            filled.lower() in values[slot_types[slot]]
            for slot, filled in zip(parts[1::2], match.groups(), strict=True)
        ):
            return True
    return False


@pytest.mark.parametrize("locale", LOCALES)
def test_manifest_example_phrases_reach_the_locales_interaction_model(
    manifest: dict[str, Any], locale: str
) -> None:
    model = interaction_model(locale)
    invocation = model["invocationName"]
    assert invocation == "muscle coach"
    phrases = manifest["publishingInformation"]["locales"][locale]["examplePhrases"]
    assert phrases[0] == f"Alexa, open {invocation}"
    for phrase in phrases[1:]:
        utterance = phrase.removeprefix(f"Alexa, ask {invocation} ")
        assert utterance != phrase, f"{phrase!r} does not name the invocation"
        first, _, rest = utterance.partition(" ")
        candidates = [utterance, rest] if first in _CONNECTING_WORDS else [utterance]
        assert any(_reaches_intent(c, "ReportTwitchIntent", model) for c in candidates), (
            f"no sample utterance matches {phrase!r}"
        )


def test_make_skill_package_copies_every_locales_model_where_the_ask_cli_deploys_from() -> None:
    completed = subprocess.run(
        ["make", "--no-print-directory", "skill-package"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    deployed = ROOT / "skill-package" / "interactionModels" / "custom"
    for model in sorted((ROOT / "interaction_models").glob("*.json")):
        assert (deployed / model.name).read_bytes() == model.read_bytes(), model.name
    assert {path.stem for path in deployed.glob("*.json")} >= {"en-US", "en-GB", "en-CA", "en-AU", "en-IN"}
