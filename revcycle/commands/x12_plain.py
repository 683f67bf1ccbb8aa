"""`revcycle x12 parse|validate` without Typer: the commands' bodies and the plain runner.

The bodies (`parse`, `validate`) print and return the exit code; the Typer commands in
`revcycle.commands.x12` and `run_plain` both call them, so both print the same bytes and
exit with the same codes. `run_plain` runs the usual shapes (`x12 validate|parse [flags]
FILE`) from the `revcycle` console script (`revcycle.entry`) without importing Typer, click
or pydantic: Typer and its parameter machinery are ~0.25 s of CPU per run, as much as
validating 1,000 claims. Any other shape (help, an unknown or misspelt option, no file, two
files) is left to Typer, which answers it as before.

Nothing here imports Typer except the path of an unexpected exception, which is shown by
Typer's hook as under Typer (locals hidden: they may hold patient data).
"""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO, cast

if TYPE_CHECKING:
    from shared.x12.errors import Issue

# --------------------------------------------------------------------------- output

_ANSI = r"\033\[[;?0-9]*[a-zA-Z]"  # click's strip_ansi pattern (compiled on first use)


class StdoutError(Exception):
    """Writing to stdout failed. Not an OSError, so a handler of read errors never takes it
    for one (`parse --json FILE | head -1` is a closed pipe, not an unreadable FILE)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error.strerror)
        self.error = error


class _Stdout:
    """sys.stdout for the JSON writers: a failed write or flush raises StdoutError."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise StdoutError(exc) from exc

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise StdoutError(exc) from exc


def echo(message: str, err: bool = False) -> None:
    """`typer.echo(message, err=err)` without importing click: one line, flushed; ANSI
    escapes removed when the stream is not a terminal. Streams click would re-wrap (an
    ASCII-encoded stream, Windows consoles) go to click's own echo."""
    stream = sys.stderr if err else sys.stdout
    if stream is None:
        return
    encoding = getattr(stream, "encoding", None) or "ascii"
    if sys.platform == "win32" or _is_ascii(encoding):
        from typer import _click as click

        click.echo(message, err=err)
        return
    out = message + "\n"
    if "\033" in out and not _isatty(stream) and not _is_jupyter(stream):
        out = re.sub(_ANSI, "", out)
    try:
        stream.write(out)
        stream.flush()
    except OSError as exc:
        if err:
            raise
        raise StdoutError(exc) from exc


def _is_ascii(encoding: str) -> bool:
    import codecs

    try:
        return codecs.lookup(encoding).name == "ascii"
    except LookupError:
        return False


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except Exception:
        return False


def _is_jupyter(stream: IO[str]) -> bool:
    return stream.__class__.__module__.startswith("ipykernel.")


def _fail(message: str, code: int = 2) -> int:
    echo(f"error: {message}", err=True)
    return code


def _write_failed(exc: StdoutError) -> int:
    """A closed pipe (`| head`) ends the run quietly, as Typer does (its handler of the
    OSError, or run_plain's); any other write error names stdout, once: what stays in
    stdout's buffer is dropped rather than failing again at exit."""
    if exc.error.errno == errno.EPIPE:
        raise exc.error
    sys.stdout = cast("TextIO", _PacifyFlush(sys.stdout, any_error=True))
    return _fail(f"stdout: cannot write: {exc.error.strerror}")


def _check_file(path: Path) -> str | None:
    if not path.exists():
        return f"{path}: no such file"
    if not path.is_file():
        return f"{path}: not a regular file"
    return None


def _issue_line(issue: Issue) -> str:
    return f"  {issue}"


# --------------------------------------------------------------------------- parse


def parse(file: Path, as_json: bool = False, as_jsonl: bool = False) -> int:
    """`revcycle x12 parse [--json|--jsonl] FILE`: print, return the exit code."""
    try:
        return _parse(file, as_json, as_jsonl)
    except StdoutError as exc:
        return _write_failed(exc)


def _parse(file: Path, as_json: bool, as_jsonl: bool) -> int:
    from shared.x12.errors import X12Error

    problem = _check_file(file)
    if problem is not None:
        return _fail(problem)
    if as_json or as_jsonl:
        from shared.x12.json_stream import write_json, write_jsonl

        writer = write_jsonl if as_jsonl else write_json
        out = _Stdout(sys.stdout)
        try:
            writer(file, cast("IO[str]", out))  # the writers only call write()
        except X12Error as exc:
            return _fail(f"{file}: {exc.issue.where()}: {exc.message}")
        except OSError as exc:
            return _fail(f"{file}: cannot read: {exc.strerror}")
        out.flush()  # a write error held in the buffer is stdout's too
        return 0
    from shared.x12.reader import parse as read

    try:
        result = read(file)
    except X12Error as exc:
        return _fail(f"{file}: {exc.issue.where()}: {exc.message}")
    except OSError as exc:
        return _fail(f"{file}: cannot read: {exc.strerror}")
    d = result.document.delimiters
    echo(
        f"{file}: {len(result.document.interchanges)} interchange(s), "
        f"{len(result.transactions)} transaction set(s); delimiters element {d.element!r} "
        f"component {d.component!r} repetition {d.repetition!r} segment {d.segment!r}"
    )
    for ta1 in result.ta1:
        echo(
            f"  TA1 for interchange {ta1.control_number}: "
            f"{_code(ta1.acknowledgment)} note {_code(ta1.note)}"
        )
    for t in result.transactions:
        echo(
            f"  ST {t.envelope.id} #{t.envelope.control_number} "
            f"({t.envelope.implementation or 'no guide id'}) "
            f"read as {t.kind}: {_summary(t.kind, t.model)}"
        )
    if result.issues:
        echo(
            f"{len(result.issues)} issue(s) while reading "
            "(run `revcycle x12 validate` for all checks):"
        )
        for issue in result.issues:
            echo(_issue_line(issue))
    return 0


def _code(value: Any) -> str:
    return str(getattr(value, "value", value))


def _summary(kind: str, model: Any) -> str:
    """One line per transaction: counts and totals, no patient data."""
    if model is None:
        return "not supported"
    if kind == "835":
        claims = list(model.claims())
        paid = model.bpr.total_payment if model.bpr else None
        lines = sum(len(c.services) for c in claims)
        plb = len(model.provider_adjustments)
        return f"{len(claims)} claim(s), {lines} service line(s), payment {paid}, {plb} PLB"
    if kind in ("837P", "837I"):
        from decimal import Decimal

        claims = list(model.claims())
        charges = [c.claim.clm.total_charge for c in claims]
        known = sum((c for c in charges if c is not None), Decimal("0"))
        lines = sum(len(c.claim.service_lines) for c in claims)
        missing = sum(c is None for c in charges)
        # A claim without CLM02 is counted as such, never as a zero charge.
        total = f"{known}" + (f" ({missing} claim(s) without CLM02)" if missing else "")
        return f"{len(claims)} claim(s), {lines} service line(s), total charge {total}"
    if kind in ("270", "271"):
        return f"{len(list(model.subscribers()))} subscriber level(s)"
    if kind in ("276", "277", "277CA"):
        return f"{len(list(model.claims()))} claim-level loop(s)"
    if kind == "999":
        acks = [_code(r.ik5.acknowledgment) if r.ik5 else "?" for r in model.transaction_responses]
        group = _code(model.ak9.acknowledgment) if model.ak9 else "?"
        return f"group {group}, {len(acks)} transaction response(s) {''.join(acks)}"
    return ""


# --------------------------------------------------------------------------- validate


def validate(file: Path, as_json: bool = False, strict: bool = False) -> int:
    """`revcycle x12 validate [--json] [--strict] FILE`: print, return 0 when valid, 1 when
    invalid, 2 when the file cannot be read."""
    try:
        return _validate(file, as_json, strict)
    except StdoutError as exc:
        return _write_failed(exc)


def _validate(file: Path, as_json: bool, strict: bool) -> int:
    from shared.x12.validation import validate as check
    from shared.x12.validation import validate_stream

    problem = _check_file(file)
    if problem is not None:
        return _fail(problem)
    if not as_json:
        # Issues are printed as each transaction set ends (a large file is never held),
        # then the verdict.
        counts = {"error": 0, "warning": 0}

        def show(issue: Issue) -> None:
            counts[issue.severity.value] += 1
            echo(_issue_line(issue))

        try:
            validate_stream(file, strict=strict, sink=show)
        except OSError as exc:
            return _fail(f"{file}: cannot read: {exc.strerror}")
        valid = counts["error"] == 0
        echo(
            f"{file}: {'valid' if valid else 'INVALID'} "
            f"({counts['error']} error(s), {counts['warning']} warning(s))"
        )
        return 0 if valid else 1
    import json

    try:  # --json: one document listing every issue
        report = check(file, strict=strict)
    except OSError as exc:
        return _fail(f"{file}: cannot read: {exc.strerror}")
    echo(
        json.dumps(
            {
                "file": str(file),
                "valid": report.ok,
                "issues": [i.to_plain() for i in report.issues],
            },
            indent=2,
        )
    )
    return 0 if report.ok else 1


# --------------------------------------------------------------------------- plain runner

# Flags of the commands `run_plain` runs, and the keyword each sets to True in the command
# function (tests/unit/x12_read/test_cli_plain.py checks this against the Typer commands).
PLAIN_FLAGS: dict[str, dict[str, str]] = {
    "validate": {"--json": "as_json", "--strict": "strict"},
    "parse": {"--json": "as_json", "--jsonl": "as_jsonl"},
}
_COMMANDS: dict[str, Callable[..., int]] = {"validate": validate, "parse": parse}


def plain_call(argv: list[str]) -> tuple[Callable[..., int], dict[str, Any]] | None:
    """The command function and its arguments when `argv` (after `revcycle`) is a plain
    `x12 validate|parse [flags] FILE`; None for anything Typer should answer."""
    if len(argv) < 3 or argv[0] != "x12" or argv[1] not in PLAIN_FLAGS:
        return None
    if any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return None  # a shell-completion request: Typer's
    flags = PLAIN_FLAGS[argv[1]]
    kwargs: dict[str, Any] = {}
    files: list[str] = []
    for arg in argv[2:]:
        if arg in flags:
            kwargs[flags[arg]] = True
        elif not arg or arg.startswith("-"):
            return None  # help, another option, "--", "-", an empty name: Typer's
        else:
            files.append(arg)
    if len(files) != 1:
        return None
    kwargs["file"] = Path(files[0])
    return _COMMANDS[argv[1]], kwargs


class _PacifyFlush:
    """click's PacifyFlushWrapper: a stream whose flush ignores a closed pipe (or, with
    `any_error`, any write error already reported), so the interpreter's last flush of
    stdout says nothing after `| head`."""

    def __init__(self, wrapped: IO[str], any_error: bool = False) -> None:
        self.wrapped = wrapped
        self.any_error = any_error

    def flush(self) -> None:
        try:
            self.wrapped.flush()
        except OSError as exc:
            if exc.errno != errno.EPIPE and not self.any_error:
                raise

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.wrapped, attr)


def run_plain(argv: list[str]) -> None:
    """Run a plain `x12 validate|parse` (see `plain_call`) and exit as Typer would;
    return without doing anything when `argv` is another shape."""
    found = plain_call(argv)
    if found is None:
        return
    command, kwargs = found
    # What Typer's standalone mode does around a command (typer.core._main, Typer.__call__);
    # the commands read no input, so Typer's EOF / Abort branch has no counterpart here.
    try:
        code = command(**kwargs)
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            _show_with_typer(exc)
            raise
        sys.stdout = cast("TextIO", _PacifyFlush(sys.stdout))
        sys.stderr = cast("TextIO", _PacifyFlush(sys.stderr))
        sys.exit(1)
    except Exception as exc:
        _show_with_typer(exc)
        raise
    sys.exit(code)


def _show_with_typer(exc: Exception) -> None:
    """Have `exc` shown by Typer's hook as any command's error is (locals hidden: patient
    data); Typer is imported only now."""
    from typer.main import _typer_developer_exception_attr_name, except_hook
    from typer.models import DeveloperExceptionConfig

    sys.excepthook = except_hook
    setattr(
        exc,
        _typer_developer_exception_attr_name,
        DeveloperExceptionConfig(pretty_exceptions_show_locals=False),
    )
