"""The one exception tree of motionctl.

Every error a user can meet is a ``RunnerError``; the CLI turns it into one line on stderr and its
``exit_code``. Messages say what happened *and what to do*, and never contain a token.

::

    RunnerError                      exit 1
    ├── UsageError                   exit 2   bad command-line input
    ├── RecipeError                  exit 2
    │   ├── RecipeLoadError                   unreadable file, YAML syntax
    │   └── RecipeValidationError             schema, templates, missing/unsupported media
    ├── MediaError                   exit 2   local pre-checks that mirror 4001/4002
    │   ├── UnsupportedMediaType
    │   └── MediaTooLarge
    ├── ApiError                     exit 1   the API answered with an error code
    │   ├── AuthError                         1001 bad or expired token
    │   ├── SessionNotFound                   1002
    │   ├── InsufficientCredits               2001
    │   ├── UnsupportedFileType               4001 (server side)
    │   ├── FileTooLarge                      4002 (server side)
    │   ├── MissingClientId                   400
    │   ├── ExportNotAllowed                  402 plan tier, not credits
    │   ├── RateLimited                       429
    │   ├── DuplicateRenderId
    │   └── ServerError                       5xx
    ├── TransportError               exit 1   connection refused/dropped, timeouts
    ├── StreamError                  exit 1   /run_sse broke off or went idle too long
    ├── RenderError                  exit 1
    │   ├── RenderFailed                      the job reported status "failed"
    │   └── PollTimeout                       no final status before the deadline
    ├── ExecutionError               exit 1   a job of a run failed
    │   ├── ExpectationFailed                 an ``expect:`` step did not hold
    │   ├── ClipCheckFailed                   the exported clip is not what the recipe asked (runner/qc)
    │   └── GoldenMismatch                    ``--check`` found a difference
    ├── CassetteError                exit 2   a cassette that cannot be read (not HAR, a sidecar missing)
    ├── CassetteMiss                 exit 1   replay: a request the cassette has no recording of
    └── CassetteStale                exit 1   a cassette older than ``--max-age`` where that fails (CI)
"""

from __future__ import annotations

from dataclasses import dataclass


class RunnerError(Exception):
    """Base of every error motionctl reports to a user."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(RunnerError):
    exit_code = 2


# --- recipes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a recipe, located as precisely as the loader allows."""

    file: str
    line: int
    column: int
    message: str
    step: str | None = None
    field: str | None = None
    severity: str = "error"  # or "warning": the recipe runs, but the result will look bad

    def __str__(self) -> str:
        """One line, whatever the recipe's values hold: a key or value quoted in the message has its
        line breaks and control characters escaped (``'\\n'``), so editors and matchers read one problem."""
        where = f"{self.file}:{self.line}:{self.column}"
        scope = ", ".join(p for p in (self.step, f"field '{self.field}'" if self.field else None) if p)
        flag = "warning: " if self.severity == "warning" else ""
        return _one_line(f"{where}: {flag}{scope + ': ' if scope else ''}{self.message}")


def _one_line(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class RecipeError(RunnerError):
    exit_code = 2


class RecipeLoadError(RecipeError):
    """The recipe file cannot be read or is not valid YAML."""


class RecipeValidationError(RecipeError):
    """The recipe is YAML but breaks the schema or refers to unusable media. Carries every problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# --- local media checks ----------------------------------------------------------------------------


class MediaError(RunnerError):
    exit_code = 2


class UnsupportedMediaType(MediaError):
    pass


class MediaTooLarge(MediaError):
    pass


# --- the API ---------------------------------------------------------------------------------------


class ApiError(RunnerError):
    """The Nemo API answered with an error. ``code`` is the envelope code (or HTTP status)."""

    code: int | None = None

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        endpoint: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        if code is not None:
            self.code = code
        self.http_status = http_status
        self.endpoint = endpoint


class AuthError(ApiError):
    code = 1001


class SessionNotFound(ApiError):
    code = 1002


class InsufficientCredits(ApiError):
    code = 2001


class UnsupportedFileType(ApiError):
    code = 4001


class FileTooLarge(ApiError):
    code = 4002


class MissingClientId(ApiError):
    code = 400


class ExportNotAllowed(ApiError):
    code = 402


class RateLimited(ApiError):
    code = 429

    def __init__(self, message: str, *, retry_after: float | None = None, code: int | None = None,
                 http_status: int | None = None, endpoint: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message, code=code, http_status=http_status, endpoint=endpoint, hint=hint)
        self.retry_after = retry_after


class DuplicateRenderId(ApiError):
    pass


class ServerError(ApiError):
    pass


class TransportError(RunnerError):
    """The connection failed or dropped before the API could answer."""


class StreamError(RunnerError):
    """A /run_sse stream failed: broke off mid-way, sent an error event, or went idle too long."""


class RenderError(RunnerError):
    pass


class RenderFailed(RenderError):
    """The render job failed; ``step`` is the recipe step it fails on when the reason names one (a text the
    renderer cannot draw fails at its text step, not at the export)."""

    def __init__(self, message: str, *, hint: str | None = None, step: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.step = step


class PollTimeout(RenderError):
    pass


# --- runs ------------------------------------------------------------------------------------------


class ExecutionError(RunnerError):
    """A job of a run failed; ``job`` and ``step`` say where."""

    def __init__(self, message: str, *, job: str | None = None, step: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.job = job
        self.step = step


class ExpectationFailed(ExecutionError):
    pass


class ClipCheckFailed(ExecutionError):
    pass


class GoldenMismatch(ExecutionError):
    pass


# --- cassettes -------------------------------------------------------------------------------------


class CassetteError(RunnerError):
    """A cassette file that cannot be used: not HAR, not motionctl's, or a sidecar body missing."""

    exit_code = 2


class CassetteMiss(RunnerError):
    """Replay met a request the cassette holds no recording of; it never goes to the network instead."""


class CassetteStale(RunnerError):
    """The cassette is older than ``--max-age`` and staleness fails (in CI, or ``--on-stale fail``)."""
