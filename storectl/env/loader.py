"""Loading a store's dotenv files as Medusa and Next.js do, remembering where each value came from.

Backend: Medusa 2.21 `loadEnv` reads `.env.<env>` then `.env` when the environment is one of
production, staging or test, else `.env` only; the real process environment wins, then the first
file, and within a file the later line; then dotenv-expand 11 expands every value (when it
throws, every value stays raw). Storefront: Next.js `@next/env` reads `.env.$mode.local`,
`.env.local` (not in test), `.env.$mode`, `.env`; its variables fill in names the backend does not
set. `--env-file` replaces discovery (later files win). The grammar and both expansions are
node's own, modelled in `grammar`, `expand` and `nextenv`; `findings` says what is surprising.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from storectl.env import expand, findings, grammar, nextenv
from storectl.errors import ConfigError
from storectl.model import Finding, Severity
from storectl.redact import is_secret_name, is_switch, secret_shaped

#: Environments for which Medusa's loadEnv reads `.env.<environment>`.
KNOWN_ENVIRONMENTS = ("production", "staging", "test")
#: Every environment name that means something to Medusa (development: `.env` only, the default).
MEDUSA_ENVIRONMENTS = (*KNOWN_ENVIRONMENTS, "development")
ENVIRONMENT_SOURCE = "environment"


@dataclass(frozen=True)
class EnvValue:
    """A variable's effective value and where it came from (`backend/.env:12`, `environment`)."""

    name: str
    value: str
    source: str
    raw: str
    path: Path | None = None
    line: int | None = None


@dataclass(frozen=True)
class Entry:
    """One `KEY=value` line of an env file, before expansion."""

    name: str
    raw: str
    line: int
    single_quoted: bool


@dataclass(frozen=True)
class EnvFile:
    """A file storectl looked for; `entries` is empty when it does not exist."""

    path: Path
    display: str
    role: str
    exists: bool
    entries: tuple[Entry, ...] = ()

    def source(self, line: int) -> str:
        return f"{self.display}:{line}"


@dataclass(frozen=True)
class Env:
    """The effective configuration: values by name, the files read, and problems reading them."""

    values: Mapping[str, EnvValue]
    files: tuple[EnvFile, ...]
    environment: str
    findings: tuple[Finding, ...] = ()
    root: Path | None = None
    secret_names: frozenset[str] = field(default_factory=frozenset)
    #: (user, password) variables the providers send together (None: a key sent alone)
    credential_pairs: tuple[tuple[str, str | None], ...] = ()
    #: What the storefront's Next.js process would see from its own files (@next/env), by name.
    storefront: Mapping[str, EnvValue] = field(default_factory=dict)
    #: Where `environment` came from: "--environment" (declared by the run: the option or a
    #: fleet store's `environment`), "NODE_ENV" (inferred), or "default" (development).
    environment_origin: str = "default"

    @property
    def declared_production(self) -> bool:
        """The run said it is production (not just NODE_ENV): verdicts may be strict."""
        return self.environment_origin == "--environment" and self.is_production

    @property
    def is_production(self) -> bool:
        return self.environment.strip().lower() == "production"

    def get(self, name: str) -> str | None:
        item = self.values.get(name)
        return item.value if item is not None else None

    def is_set(self, name: str) -> bool:
        """Set and non-blank: how medusa-config.ts guards each provider."""
        value = self.get(name)
        return value is not None and value.strip() != ""

    def value(self, name: str) -> str:
        """The stripped value, or "" when unset."""
        return (self.get(name) or "").strip()

    def source(self, name: str) -> str | None:
        item = self.values.get(name)
        return item.source if item is not None else None

    def is_secret(self, name: str) -> bool:
        value = self.get(name) or ""
        by_name = is_secret_name(name) and not is_switch(value)
        return name in self.secret_names or by_name or secret_shaped(value)

    def named_values(self) -> Iterator[tuple[str, str]]:
        """Every (name, value) pair: effective values, and each file's raw entries (a shadowed
        secret is still a secret): what the run's redactor learns (redact.Redactor.add_env)."""
        for item in self.values.values():
            yield item.name, item.value
        for env_file in self.files:
            for entry in env_file.entries:
                yield entry.name, entry.raw


@dataclass(frozen=True)
class Layout:
    """Where a store keeps its env files."""

    root: Path
    backend: Path | None
    storefront: Path | None


#: What makes a folder a backend: Medusa's config, or its env file.
_BACKEND_MARKERS = ("medusa-config.ts", "medusa-config.js", ".env")


def _is_store(folder: Path) -> bool:
    return any((folder / name).exists() for name in _BACKEND_MARKERS) or any(
        (folder / name).is_dir() for name in ("backend", "storefront")
    )


def store_root_upward(start: Path | None = None) -> Path:
    """Without --project: the current folder if it is a store (or a backend), else the nearest
    folder above holding backend/ or storefront/, as git and npm look upward (run from
    storefront/ or storefront/src). The walk stops at the repository root (a folder with
    .git, which is looked at) and never looks at the home folder or above it."""
    here = (start or Path(".")).resolve()
    if _is_store(here) or (here / ".git").exists():
        return Path(".")
    home = Path.home().resolve()
    for folder in here.parents:
        if folder == home or home in folder.parents or folder == folder.parent:
            break
        if any((folder / name).is_dir() for name in ("backend", "storefront")):
            return folder
        if (folder / ".git").exists():
            break
    return Path(".")


def find_layout(project: Path | None) -> Layout:
    """Resolve `--project`: a store root (backend/, storefront/) or a backend folder itself;
    without it, the store the current folder is in (`store_root_upward`)."""
    explicit = project is not None
    root = project if project is not None else store_root_upward()
    if not root.exists():
        raise ConfigError(
            f"project folder {root} does not exist",
            hint="pass --project with the store's root (the folder with backend/ and storefront/)",
        )
    if not root.is_dir():
        raise ConfigError(f"project {root} is not a folder", hint="pass the store's root folder")
    if any((root / name).exists() for name in _BACKEND_MARKERS):
        sibling = root.resolve().parent / "storefront"
        storefront = sibling if root.resolve().name == "backend" and sibling.is_dir() else None
        return Layout(root, root, storefront)
    backend = root / "backend"
    storefront = root / "storefront"
    if explicit and not backend.is_dir() and not storefront.is_dir():
        raise ConfigError(
            f"{root} is not a Medusa store: no backend/, storefront/, medusa-config.ts or .env",
            hint="pass --project with the store's root, or name files with --env-file",
        )
    return Layout(
        root, backend if backend.is_dir() else None, storefront if storefront.is_dir() else None
    )


def discover(layout: Layout, environment: str) -> list[tuple[Path, str]]:
    """The files Medusa and Next.js would read, highest precedence first, with their role."""
    found: list[tuple[Path, str]] = []
    if layout.backend is not None:
        if environment in KNOWN_ENVIRONMENTS:
            found.append((layout.backend / f".env.{environment}", "backend"))
        found.append((layout.backend / ".env", "backend"))
    if layout.storefront is not None:
        _, names = nextenv.next_files(next_mode(environment), {"NODE_ENV": environment})
        found.extend((layout.storefront / name, "storefront") for name in names)
    return found


def next_mode(environment: str) -> str:
    """The mode Next.js runs in for this environment: `next dev` in development, `next start`
    (production) for a deployed store, test under NODE_ENV=test."""
    if environment in ("development", "test"):
        return environment
    return "production"


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except (ValueError, RuntimeError):  # RuntimeError: a symlink loop (read_text says so)
            pass
    return str(path)


def read_text(path: Path, *, explicit: bool) -> str | None:
    """The file's text; None when a discovered file is absent. Never blocks on a FIFO."""
    try:
        info = path.stat()
    except FileNotFoundError:
        if explicit:
            raise ConfigError(
                f"env file {path} does not exist", hint="check the path given to --env-file"
            ) from None
        return None
    except OSError as exc:
        import errno

        raise ConfigError(
            f"cannot read env file {path}: {exc.strerror}",
            hint="a symbolic link points (through others) back at itself: point it at the file"
            if exc.errno == errno.ELOOP
            else "check the path and its folders' permissions",
        ) from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise ConfigError(f"env file {path} is {kind}", hint="--env-file takes a dotenv file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read env file {path}: {exc.strerror}",
            hint="check the file's permissions (storectl needs to read it)",
        ) from None
    # As node's fs.readFileSync(path, "utf8"): U+FFFD for junk; a BOM is whitespace to dotenv.
    return grammar.decode(data)


def parse(text: str, display: str) -> tuple[list[Entry], list[Finding]]:
    """Parse dotenv text as node's dotenv 16 does; surprising readings become findings."""
    entries, problems, _ = _parse(text, display)
    return entries, problems


def _parse(text: str, display: str) -> tuple[list[Entry], list[Finding], grammar.Parsed]:
    bindings, skipped = grammar.parse_file(text)
    entries = [Entry(b.name, b.value, b.line, b.quote == "'") for b in bindings]
    problems = grammar.file_problems(display, bindings, skipped)
    return entries, [findings.finding(p, display) for p in problems], (bindings, skipped)


def load(
    *,
    project: Path | None = None,
    env_files: Sequence[Path] = (),
    environment: str | None = None,
    ignore_environment: bool = False,
    process_env: Mapping[str, str] | None = None,
    secret_names: Iterable[str] = (),
    credential_pairs: Iterable[tuple[str, str | None]] = (),
) -> Env:
    """Load the effective env: process environment > backend files > storefront files.
    `secret_names` and `credential_pairs` are what the providers declare (env knows none)."""
    process = dict(os.environ if process_env is None else process_env)
    if ignore_environment:
        process = {}
    env_name = environment or process.get("NODE_ENV") or "development"

    candidates: list[tuple[Path, str, bool]]
    root: Path | None
    if env_files:
        root = Path(".")
        # Later --env-file wins: highest precedence first.
        candidates = [(path, "env-file", True) for path in reversed(env_files)]
    else:
        layout = find_layout(project)
        root = layout.root
        candidates = [(path, role, False) for path, role in discover(layout, env_name)]

    files: list[EnvFile] = []
    found: list[Finding] = []
    backend: list[tuple[str, str | grammar.Parsed]] = []
    storefront: list[tuple[str, str | grammar.Parsed]] = []
    for path, role, explicit in candidates:
        display = _display(path, root)
        text = read_text(path, explicit=explicit)
        if text is None:
            files.append(EnvFile(path, display, role, exists=False))
            continue
        entries, problems, parsed = _parse(text, display)
        files.append(EnvFile(path, display, role, exists=True, entries=tuple(entries)))
        found.extend(problems)
        (storefront if role == "storefront" else backend).append((display, parsed))

    values, front, expansion_findings = _resolve(process, backend, storefront, files)
    found.extend(expansion_findings)
    if env_name not in MEDUSA_ENVIRONMENTS:
        origin = "--environment" if environment else "NODE_ENV"
        found.append(unknown_environment(env_name, origin, [p for p, _, _ in candidates]))
    env = Env(
        values=values,
        files=tuple(files),
        environment=env_name,
        findings=tuple(found),
        root=root,
        secret_names=frozenset(secret_names),
        credential_pairs=tuple(credential_pairs),
        storefront=front,
        environment_origin=(
            "--environment" if environment else "NODE_ENV" if process.get("NODE_ENV") else "default"
        ),
    )
    return env


def suggest(name: str, choices: Sequence[str]) -> str | None:
    """The choice a mistyped name most likely meant: a prefix (`prod`), else the closest."""
    import difflib

    lowered = name.strip().lower()
    prefixed = [c for c in choices if lowered and c.startswith(lowered)]
    if len(prefixed) == 1:
        return prefixed[0]
    close = difflib.get_close_matches(lowered, choices, n=1, cutoff=0.5)
    return close[0] if close else None


#: Findings that change which files were read: `-q` never hides them (issue 21 B).
FILES_READ_CODES = frozenset({"env.unknown-environment"})


def unknown_environment(name: str, origin: str, candidates: Sequence[Path]) -> Finding:
    """An environment Medusa's loadEnv does not know: it reads `.env` only."""
    # discovery has already left `.env.<name>` out, as Medusa does: name it if it is there
    ignored = [
        p.parent / f".env.{name}"
        for p in candidates
        if p.name == ".env" and (p.parent / f".env.{name}").is_file()
    ]
    guess = suggest(name, MEDUSA_ENVIRONMENTS)
    # Medusa compares NODE_ENV as written: `Production` is not `production` to it (storectl's
    # confirmation guard still counts it as production, storectl/guard.py)
    case = (
        f" (Medusa compares it case-sensitively: {name!r} is not {name.strip().lower()!r})"
        if name.strip().lower() in MEDUSA_ENVIRONMENTS
        else ""
    )
    message = (
        f"environment {name!r} ({origin}) is not one Medusa's loadEnv knows "
        f"({', '.join(MEDUSA_ENVIRONMENTS)}){case}: it reads .env only"
        + (f", and ignores {', '.join(str(p) for p in ignored)}" if ignored else "")
    )
    hint = f"did you mean {guess!r}?" if guess else "use " + ", ".join(MEDUSA_ENVIRONMENTS)
    return Finding(
        "env.unknown-environment",
        Severity.WARNING,
        message,
        hint=f"{hint} (set {origin})",
        source=origin,
        provider="env",
    )


def _resolve(
    process: Mapping[str, str],
    backend: Sequence[tuple[str, str | grammar.Parsed]],
    storefront: Sequence[tuple[str, str | grammar.Parsed]],
    files: Sequence[EnvFile],
) -> tuple[dict[str, EnvValue], dict[str, EnvValue], list[Finding]]:
    """Every variable the backend process sees (Medusa's loadEnv), then the storefront's own
    (@next/env) for names the backend does not set; each keeps its file:line."""
    paths = {f.display: f.path for f in files}
    result = expand.load_files(backend, process)
    found = [findings.finding(p, p.file) for p in result.problems if p.code in findings.FATAL]
    values = {name: _value(v, paths) for name, v in result.variables.items()}
    front: dict[str, EnvValue] = {}
    if storefront:
        next_result = nextenv.next_load(storefront, process)
        found.extend(
            findings.finding(p, p.file, storefront=True)
            for p in next_result.problems
            if p.code in findings.FATAL
        )
        for name, v in next_result.variables.items():
            front[name] = _value(v, paths)
            if name not in values and v.source == "file":
                values[name] = front[name]
    return values, front, found


def _value(variable: grammar.Variable, paths: Mapping[str, Path]) -> EnvValue:
    if variable.source != "file" or variable.file is None:
        return EnvValue(variable.name, variable.value, ENVIRONMENT_SOURCE, variable.value)
    return EnvValue(
        variable.name,
        variable.value,
        f"{variable.file}:{variable.line}",
        variable.raw if variable.raw is not None else variable.value,
        paths.get(variable.file),
        variable.line,
    )
