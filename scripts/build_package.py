"""Builds the Lambda zip: target-platform deps, `skill/`, entry, compiled knowledge, .pyc; never deploys."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from skill.errors import MuscleCoachError

__all__ = [
    "AWS_LAMBDA_ARM64",
    "BOTO3_ONLY_DISTRIBUTIONS",
    "BuildError",
    "BuildResult",
    "Target",
    "build_package",
    "compile_bytecode",
    "host_target",
    "install_dependencies",
    "lambda_requirements",
    "main",
    "project_requirements",
    "write_zip",
]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ZIP = ROOT / "build" / "muscle-coach.zip"
DEFAULT_PACKAGE_DIR = ROOT / "build" / "package"
DEFAULT_CACHE_DIR = ROOT / "build" / "pip-cache"

# Where Lambda unpacks the code; baked into tracebacks of the ahead-of-time compiled modules.
LAMBDA_TASK_ROOT = "/var/task"

# Zip entries get this timestamp (the earliest a zip can hold), so the same inputs give the same bytes.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# zlib's default: level 9 takes three times as long for a zip 0.5 % smaller.
ZIP_LEVEL = 6

# The Lambda runtime provides these with boto3; the package must not ship or shadow them.
BOTO3_ONLY_DISTRIBUTIONS = frozenset({"boto3", "botocore", "s3transfer", "jmespath"})

# /var/task comes before the runtime's own site-packages on sys.path, so a dependency the package shares with
# the runtime's botocore (ask-sdk-core needs python-dateutil and, through requests, urllib3) shadows the
# runtime's copy when the DynamoDB store imports boto3. Keep those within botocore's own pins.
SHARED_WITH_BOTOCORE = ("python-dateutil>=2.1,<3", "urllib3>=1.25.4,!=2.2.0,<3")

# Dist-info files only an installer reads; METADATA, licences and top_level.txt stay.
INSTALLER_ONLY_FILES = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})

# Tests, bytecode of any version, type stubs, editor leftovers: never shipped, from `skill/` or a dependency.
TEST_AND_DEV_DIRS = frozenset({"tests", "test", "__pycache__"})
TEST_AND_DEV_FILE = re.compile(r"^(test_.*|.*_test|conftest)\.py$|\.py[cio]$|^py\.typed$|~$")

# `skill/local` is the developer's CLI and HTTP server, and `__main__.py` files are command-line entries (the
# CLI, the knowledge and phrase compilers): none is imported in Lambda. The compiled knowledge and phrase books
# replace their YAML sources, and the knowledge's schema goes with its YAML.
SKILL_DEV_ONLY_DIR = Path("skill") / "local"
KNOWLEDGE_SOURCE_DIR = Path("skill") / "knowledge" / "data"
KNOWLEDGE_SCHEMA = Path("skill") / "knowledge" / "schema.py"
PHRASES_SOURCE_DIR = Path("skill") / "speech" / "phrases"
# Each compiled into its source directory's place in the package by `python -m <module> compile DEST_DIR`.
COMPILED_DATA = {"skill.knowledge": KNOWLEDGE_SOURCE_DIR, "skill.speech": PHRASES_SOURCE_DIR}

# Runtime requirements that only validate the knowledge base's YAML, which happens here, at build time: the
# Lambda path reads the compiled knowledge and checks session attributes and stored records by hand, so it
# never imports them (pydantic-core alone is half of a zip that ships it).
BUILD_TIME_ONLY_REQUIREMENTS = frozenset({"pydantic", "pyyaml"})

# Runtime requirements of the developer's CLI only (`muscle-coach serve` verifies requests with cryptography):
# installed with the package so that a plain `pip install` serves, never shipped to Lambda, which runs no CLI.
CLI_ONLY_REQUIREMENTS = frozenset({"cryptography"})


class BuildError(MuscleCoachError):
    """The deployment package could not be built (names the step and what to do about it)."""


@dataclass(frozen=True, slots=True)
class Target:
    """What the package is built for: a wheel platform tag and a CPython version."""

    platform: str
    python_version: str = "3.11"


# Lambda python3.11 on Graviton runs Amazon Linux 2 (glibc 2.26): manylinux2014 (glibc 2.17) wheels fit it.
AWS_LAMBDA_ARM64 = Target(platform="manylinux2014_aarch64")


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build produced, with the sizes a developer cares about."""

    zip_path: Path
    package_dir: Path
    zip_bytes: int
    unpacked_bytes: int
    file_count: int


def host_target(python_version: str | None = None) -> Target:
    """The target matching this machine, for packages that must run here (tests, benchmarks)."""
    if sys.platform != "linux":
        raise BuildError(f"host packages are built for Linux only, not {sys.platform}")
    version = python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    return Target(platform=f"manylinux2014_{platform.machine()}", python_version=version)


def project_requirements(root: Path = ROOT) -> list[str]:
    """The runtime requirements declared in `pyproject.toml` (boto3 is an extra, so it is not among them)."""
    with (root / "pyproject.toml").open("rb") as handle:
        dependencies = tomllib.load(handle)["project"]["dependencies"]
    return [str(requirement) for requirement in dependencies]


def lambda_requirements(root: Path = ROOT) -> list[str]:
    """The runtime requirements the Lambda path imports: the project's, less the build-time and CLI-only ones."""
    return [
        requirement
        for requirement in project_requirements(root)
        if _requirement_name(requirement) not in BUILD_TIME_ONLY_REQUIREMENTS | CLI_ONLY_REQUIREMENTS
    ]


def _requirement_name(requirement: str) -> str:
    """The normalized project name a requirement string starts with (PEP 503: lowercase, runs of -_. as -)."""
    name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    if name is None:
        raise BuildError(f"pyproject.toml: {requirement!r} does not start with a project name")
    return re.sub(r"[-_.]+", "-", name[0]).lower()


def install_dependencies(requirements: Sequence[str], dest: Path, target: Target, cache_dir: Path) -> None:
    """Install `requirements` and their dependencies for `target` into `dest`, from wheels only.

    The resolved tree is cached under `cache_dir/deps/` by requirements and target, so rebuilds are quick and
    work offline; delete that directory (or pass `--refresh-deps`) to resolve again.
    """
    key_source = json.dumps(
        [sorted(requirements), SHARED_WITH_BOTOCORE, target.platform, target.python_version]
    )
    cached = cache_dir / "deps" / hashlib.sha256(key_source.encode()).hexdigest()[:16]
    if not cached.is_dir():
        cached.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="deps-", dir=cached.parent))
        constraints = staging / "constraints.txt"
        constraints.write_text("\n".join(SHARED_WITH_BOTOCORE) + "\n")
        site = staging / "site"
        command = [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-warn-conflicts", "--no-compile", "--only-binary=:all:", "--implementation", "cp",
            "--platform", target.platform, "--python-version", target.python_version,
            "--target", str(site), "--cache-dir", str(cache_dir / "http"), "--constraint", str(constraints),
            *requirements,
        ]  # fmt: skip
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise BuildError(
                f"pip could not install {', '.join(requirements)} for {target}:\n{completed.stderr}"
            )
        with contextlib.suppress(OSError):  # another build cached the same tree meanwhile; theirs is as good
            site.rename(cached)
        shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(cached, dest, dirs_exist_ok=True)
    _trim_dependencies(dest)
    shipped = sorted(_distribution_names(dest) & BOTO3_ONLY_DISTRIBUTIONS)
    if shipped:
        raise BuildError(f"the package would ship {', '.join(shipped)}, which the Lambda runtime provides")


def _distribution_names(site: Path) -> set[str]:
    names: set[str] = set()
    for dist_info in site.glob("*.dist-info"):
        name = dist_info.name.removesuffix(".dist-info").rsplit("-", 1)[0]
        names.add(re.sub(r"[-_.]+", "-", name).lower())
    return names


def _trim_dependencies(site: Path) -> None:
    """Drop what only installers, test runners, type checkers or shells use."""
    shutil.rmtree(site / "bin", ignore_errors=True)
    for directory, subdirs, files in os.walk(site):
        for name in [d for d in subdirs if d in TEST_AND_DEV_DIRS]:
            shutil.rmtree(Path(directory) / name)
            subdirs.remove(name)
        installer_metadata = directory.endswith(".dist-info")
        for name in files:
            if TEST_AND_DEV_FILE.search(name) or (installer_metadata and name in INSTALLER_ONLY_FILES):
                (Path(directory) / name).unlink()


def _copy_skill(root: Path, package_dir: Path) -> None:
    """Copy the import package `skill/` without its dev-only parts and without the YAML sources."""
    source = root / "skill"
    if not (source / "app.py").is_file():
        raise BuildError(f"{source / 'app.py'} is missing: the Lambda entry imports skill.app.lambda_handler")
    for directory, subdirs, files in os.walk(source):
        relative = Path(directory).relative_to(root)
        subdirs[:] = sorted(
            d
            for d in subdirs
            if d not in TEST_AND_DEV_DIRS and not d.startswith(".") and relative / d != SKILL_DEV_ONLY_DIR
        )
        if any(relative == data or data in relative.parents for data in COMPILED_DATA.values()):
            continue
        for name in sorted(files):
            if TEST_AND_DEV_FILE.search(name) or name.startswith(".") or name == "__main__.py":
                continue
            if relative / name == KNOWLEDGE_SCHEMA:
                continue
            (package_dir / relative).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(directory) / name, package_dir / relative / name)


def _compile_data(root: Path, package_dir: Path, module: str, source_dir: Path) -> None:
    """Validate one body of YAML (the knowledge base, the phrase books) with `python -m <module> compile` and
    write its compiled form where the packaged loader looks for it."""
    dest = package_dir / source_dir
    dest.mkdir(parents=True, exist_ok=True)
    entry = root / Path(*module.split(".")) / "__main__.py"
    if not entry.is_file():
        raise BuildError(
            f"`python -m {module} compile DEST_DIR` is not available ({entry.relative_to(root)} is missing), "
            f"so {source_dir} can be neither validated nor compiled into the package"
        )
    # `-m` run from `root` puts `root` first on sys.path: this compiles the data of the tree being built.
    command = [sys.executable, "-m", module, "compile", str(dest)]
    completed = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BuildError(f"{source_dir} did not compile:\n{completed.stdout}{completed.stderr}")
    if not any(dest.iterdir()):
        raise BuildError(f"`python -m {module} compile` wrote nothing into {dest}")


def _interpreter_for(python_version: str) -> str:
    if f"{sys.version_info.major}.{sys.version_info.minor}" == python_version:
        return sys.executable
    found = shutil.which(f"python{python_version}")
    if found is None:
        raise BuildError(f"bytecode for Python {python_version} needs python{python_version} on PATH")
    return found


def compile_bytecode(package_dir: Path, python_version: str) -> None:
    """Compile every module ahead of time for `python_version`, as hash-based .pyc that is never re-checked.

    Lambda's /var/task is read-only, and unzipping resets mtimes, so timestamp-based .pyc would be judged
    stale and every cold start would compile from source again. Unchecked-hash .pyc are used as they are.
    """
    command = [
        _interpreter_for(python_version), "-m", "compileall", "-q", "-j", "0",
        "--invalidation-mode", "unchecked-hash", "-s", str(package_dir), "-p", LAMBDA_TASK_ROOT,
        str(package_dir),
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BuildError(
            f"compileall failed for Python {python_version}:\n{completed.stdout}{completed.stderr}"
        )
    tag = "cpython-" + python_version.replace(".", "")
    for pyc in package_dir.rglob("*.pyc"):
        if pyc.parent.name != "__pycache__" or f".{tag}." not in pyc.name:
            pyc.unlink()


def _package_files(package_dir: Path) -> Iterator[Path]:
    for directory, subdirs, files in os.walk(package_dir):
        subdirs.sort()
        for name in sorted(files):
            yield Path(directory) / name


def write_zip(package_dir: Path, zip_path: Path) -> int:
    """Zip `package_dir` in sorted order with fixed timestamps and modes; return the zip's size in bytes."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    partial = zip_path.with_name(zip_path.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as archive:
        for path in _package_files(package_dir):
            info = zipfile.ZipInfo(path.relative_to(package_dir).as_posix(), date_time=ZIP_EPOCH)
            info.create_system = 3  # Unix, so that the mode below is honoured
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=ZIP_LEVEL)
    partial.replace(zip_path)
    return zip_path.stat().st_size


def build_package(
    *,
    root: Path = ROOT,
    zip_path: Path = DEFAULT_ZIP,
    package_dir: Path = DEFAULT_PACKAGE_DIR,
    target: Target = AWS_LAMBDA_ARM64,
    cache_dir: Path = DEFAULT_CACHE_DIR,
) -> BuildResult:
    """Build the zip for `target` from the project at `root`; its unpacked form stays in `package_dir`."""
    if package_dir.exists():
        shutil.rmtree(package_dir)
    package_dir.mkdir(parents=True)
    install_dependencies(lambda_requirements(root), package_dir, target, cache_dir)
    _copy_skill(root, package_dir)
    shutil.copyfile(root / "lambda" / "lambda_function.py", package_dir / "lambda_function.py")
    for module, source_dir in COMPILED_DATA.items():
        _compile_data(root, package_dir, module, source_dir)
    compile_bytecode(package_dir, target.python_version)
    zip_bytes = write_zip(package_dir, zip_path)
    files = list(_package_files(package_dir))
    return BuildResult(
        zip_path=zip_path,
        package_dir=package_dir,
        zip_bytes=zip_bytes,
        unpacked_bytes=sum(path.stat().st_size for path in files),
        file_count=len(files),
    )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--platform",
        default=AWS_LAMBDA_ARM64.platform,
        help="wheel platform tag, or 'host' for this machine (default: %(default)s, Lambda on Graviton)",
    )
    parser.add_argument("--python-version", default=AWS_LAMBDA_ARM64.python_version)
    parser.add_argument("--zip", type=Path, default=DEFAULT_ZIP, help="default: %(default)s")
    parser.add_argument("--package-dir", type=Path, default=DEFAULT_PACKAGE_DIR, help="default: %(default)s")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR, help="default: %(default)s")
    parser.add_argument("--refresh-deps", action="store_true", help="resolve the dependencies again")
    args = parser.parse_args(argv)
    if args.platform == "host":
        target = host_target(args.python_version)
    else:
        target = Target(platform=args.platform, python_version=args.python_version)
    if args.refresh_deps:
        shutil.rmtree(args.cache_dir / "deps", ignore_errors=True)
    try:
        result = build_package(
            zip_path=args.zip.resolve(),
            package_dir=args.package_dir.resolve(),
            target=target,
            cache_dir=args.cache_dir.resolve(),
        )
    except BuildError as exc:
        print(f"build_package: {exc}", file=sys.stderr)
        return 1
    shown = result.zip_path.relative_to(ROOT) if result.zip_path.is_relative_to(ROOT) else result.zip_path
    print(
        f"{shown}: {_megabytes(result.zip_bytes)} ({result.zip_bytes:,} bytes) for {target.platform}, "
        f"Python {target.python_version}; {result.file_count:,} files, "
        f"{_megabytes(result.unpacked_bytes)} unpacked"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
