"""The mock's state: tokens, sessions, uploads and render jobs, with the API's rules on them.

One ``Store`` per app. Methods raise ``ApiFailure`` with the API's codes; the routes only translate HTTP.
All methods run on the event loop, and so do render progress updates (render_pool.py hands them out there),
so no locks.
"""

from __future__ import annotations

import hashlib
import math
import random
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from . import drafts
from .clock import Clock
from .config import MockConfig
from .envelopes import (
    BAD_TOKEN,
    INSUFFICIENT_CREDITS,
    RATE_LIMITED,
    SESSION_NOT_FOUND,
    ApiFailure,
)
from .interpreter.history import History, Step

TOKEN_LIFETIME_S = 7 * 24 * 3600
TOKENS_PER_IP_WINDOW_S = 7 * 24 * 3600  # SOURCES.md: "10 per IP per 7 days"
# SOURCES.md, endpoint 6: about 100 credits a generated clip, about 50 an editing session, export free. The
# mock makes no new footage (camera motion over a still is an edit of the timeline), so only the editing
# charge applies.
EDIT_COST = 50


@dataclass
class Account:
    """An anonymous user and its token."""

    token: str
    user_id: str
    client_id: str
    expires_at: float
    available: int
    frozen: int = 0
    revoked: bool = False


@dataclass
class Upload:
    id: str
    session_id: str
    path: Path
    info: dict[str, Any]  # the video_infos entry
    user_id: str = ""


@dataclass
class Session:
    session_id: str
    task_id: str
    task_name: str
    language: str
    user_id: str
    draft: dict[str, Any]
    video_infos: list[dict[str, Any]] = field(default_factory=list)
    generated_media: list[dict[str, Any]] = field(default_factory=list)
    generated_sources: set[str] = field(default_factory=set)
    edit_paid: bool = False
    messages: int = 0
    # The conversation: undo and redo levels and what the last changes touched (interpreter/history.py).
    # Bounded (UNDO_DEPTH levels) and per session, so no caller sees another's.
    history: History = field(default_factory=History)

    def state(self) -> dict[str, Any]:
        return {"video_infos": self.video_infos, "draft": self.draft,
                "canvas_config": drafts.canvas_config(self.draft), "video_analyses": {},
                "generated_media": self.generated_media}


JobStatus = Literal["pending", "processing", "completed", "failed"]


@dataclass
class RenderJob:
    id: str
    session_id: str
    user_id: str
    created_at: float
    output_format: str
    file_key: str = ""  # the unguessable part of the output's CDN URL (a signed URL's role)
    status: JobStatus = "pending"
    progress: int = 5
    error: str | None = None
    output_path: Path | None = None
    output_url: str | None = None
    duration: float | None = None
    size: int | None = None
    completed_at: float | None = None
    cancel_requested: bool = False
    worker_pid: int | None = None  # the render process that made it (never the server's own)


class Store:
    """Everything the mock remembers. ``reset()`` forgets it all and deletes its files."""

    def __init__(self, config: MockConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self._own_dir = config.data_dir is None
        self.data_dir = Path(tempfile.mkdtemp(prefix="nemo-mock-")) if config.data_dir is None \
            else Path(config.data_dir)
        self.reset()

    def reset(self) -> None:
        self.rng = random.Random(self.config.seed)
        self.accounts: dict[str, Account] = {}  # by token
        self.by_client: dict[str, str] = {}  # client id → token
        self.tokens_issued: dict[str, list[float]] = {}  # IP → when its tokens were issued, oldest first
        self.sessions: dict[str, Session] = {}
        self.uploads: dict[str, Upload] = {}
        # Render ids are the client's choice (render_<ms>), so they are scoped to their owner: another
        # caller's id is simply free for you, and nothing tells anyone it exists elsewhere.
        self.jobs: dict[tuple[str, str], RenderJob] = {}  # (user_id, render id) → job
        self.job_files: dict[str, RenderJob] = {}  # file_key → job
        for sub in ("uploads", "renders"):
            shutil.rmtree(self.data_dir / sub, ignore_errors=True)
            (self.data_dir / sub).mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def _hex(self, n: int) -> str:
        """Seeded hex: for ids whose only job is to look real (session and task ids), never for secrets."""
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    @staticmethod
    def secret_hex(n: int) -> str:
        """Unguessable hex for tokens and capability ids: the seed governs behaviour, never secrets."""
        return secrets.token_hex((n + 1) // 2)[:n]

    def new_claim_token(self) -> str:
        return f"clm_{self.secret_hex(24)}"

    # --- tokens and credits ---------------------------------------------------------------------------

    def anonymous_token(self, client_id: str, ip: str, authorization: str | None = None) -> Account:
        """The client's token when the caller shows it (``authorization``), else a new one with fresh credits.

        A client id is no secret (it travels on every call and may end up in anyone's logs), so it alone
        never hands out the token issued for it: a caller that shows the current token gets it back; one
        that does not gets a token of its own, counted against its IP like any new one.

        Raises:
            ApiFailure: 429 with Retry-After when ``ip`` has had ``tokens_per_ip`` new tokens in 7 days.
        """
        token = self.by_client.get(client_id)
        account = self.accounts.get(token) if token else None
        shown = (authorization or "").removeprefix("Bearer ").strip()
        if account and shown and secrets.compare_digest(shown, account.token) and not account.revoked \
                and account.expires_at > self.clock.now():
            return account
        self._count_token(ip)
        account = Account(token=f"nmv_usr_{self.secret_hex(32)}", user_id=f"anon_{self.secret_hex(12)}",
                          client_id=client_id, expires_at=self.clock.now() + TOKEN_LIFETIME_S,
                          available=self.config.initial_credits)
        self.accounts[account.token] = account
        self.by_client[client_id] = account.token
        return account

    def _count_token(self, ip: str) -> None:
        limit = self.config.tokens_per_ip
        if limit is None:
            return
        now = self.clock.now()
        recent = [t for t in self.tokens_issued.get(ip, []) if t > now - TOKENS_PER_IP_WINDOW_S]
        if len(recent) >= limit:
            self.tokens_issued[ip] = recent
            wait = max(1, math.ceil(recent[0] + TOKENS_PER_IP_WINDOW_S - now))
            raise ApiFailure(RATE_LIMITED, f"rate limited: {ip} has had {limit} anonymous tokens in 7 days; "
                             f"reuse your client id's token or retry in {wait}s "
                             "(mock: --tokens-per-ip 0 lifts the limit)", headers={"Retry-After": str(wait)})
        self.tokens_issued[ip] = [*recent, now]

    def authenticate(self, authorization: str | None) -> Account:
        """The account of a ``Bearer`` header; 1001 when missing, unknown, revoked or expired."""
        if not authorization or not authorization.startswith("Bearer "):
            raise ApiFailure(BAD_TOKEN, "missing bearer token; get one from /api/auth/anonymous-token")
        account = self.accounts.get(authorization[len("Bearer "):].strip())
        if account is None or account.revoked:
            raise ApiFailure(BAD_TOKEN, "invalid token; get a new one from /api/auth/anonymous-token")
        if account.expires_at <= self.clock.now():
            raise ApiFailure(BAD_TOKEN, "token expired; get a new one from /api/auth/anonymous-token")
        return account

    def expire(self, account: Account) -> None:
        account.revoked = True

    @staticmethod
    def require(account: Account, cost: int) -> None:
        if account.available < cost:
            raise ApiFailure(INSUFFICIENT_CREDITS,
                             f"insufficient credits: this needs {cost}, {account.available} available; "
                             "register or top up to continue")

    @staticmethod
    def balance(account: Account) -> dict[str, int]:
        return {"available": account.available, "frozen": account.frozen,
                "total": account.available + account.frozen}

    # --- sessions ---------------------------------------------------------------------------------------

    def create_session(self, account: Account, task_name: str, language: str) -> Session:
        sid = str(5_000_000_000_000_000_000 + self.rng.randrange(10**18))
        session = Session(session_id=sid, task_id=f"task_{self._hex(16)}", task_name=task_name,
                          language=language, user_id=account.user_id, draft=drafts.new_draft(task_name))
        self.sessions[sid] = session
        return session

    def session(self, account: Account, session_id: str) -> Session:
        session = self.sessions.get(session_id)
        if session is None or session.user_id != account.user_id:
            raise ApiFailure(SESSION_NOT_FOUND, f"session {session_id} not found; create a new session")
        return session

    def lose_sessions(self, account: Account) -> None:
        for sid in [s.session_id for s in self.sessions.values() if s.user_id == account.user_id]:
            del self.sessions[sid]

    # --- uploads ----------------------------------------------------------------------------------------

    def new_upload_dir(self) -> tuple[str, Path]:
        # The id is the unguessable part of the upload's cdn_url, which works like a signed URL.
        upload_id = f"u{self.secret_hex(32)}"
        return upload_id, self.data_dir / "uploads" / upload_id

    def add_upload(self, session: Session, upload: Upload) -> None:
        upload.user_id = session.user_id
        self.uploads[upload.id] = upload
        session.video_infos.append(upload.info)
        if upload.info["file_type"] in ("image", "video"):
            before = session.draft
            session.draft = drafts.set_source(before, upload.info["cdn_url"], upload.info["filename"],
                                              keep_motion=False)
            # An upload that replaces the image is a change "undo" can take back, like any other.
            words = f'Uploaded "{upload.info["filename"]}" as the image.'
            session.history = session.history.record(Step(before, session.draft, words, ("image",)))

    def upload_file(self, upload_id: str, filename: str, user_id: str | None = None) -> Path | None:
        """The file of an upload, if ``filename`` is its name (and, given ``user_id``, that user owns it)."""
        upload = self.uploads.get(upload_id)
        if upload is None or upload.path.name != filename:
            return None
        if user_id is not None and upload.user_id != user_id:
            return None
        return upload.path

    def upload_owner(self, upload_id: str) -> str | None:
        upload = self.uploads.get(upload_id)
        return upload.user_id if upload else None

    # --- instructions -------------------------------------------------------------------------------------

    def no_text(self, session: Session, text: str) -> bool:
        """Whether this message's stream closes without text."""
        return self._draw(session, text) < self.config.no_text_ratio

    def temporary_issue(self, session: Session, text: str) -> bool:
        """Whether this message's stream ends with the trailing "I encountered a temporary issue" text."""
        return self._draw(session, text, ":temporary-issue") < self.config.temporary_issue_ratio

    def _draw(self, session: Session, text: str, salt: str = "") -> float:
        """A number in [0, 1) from a hash of the seed, the message index, the instruction and the image, so
        it is the same run to run whatever order sessions are created in. ``salt`` makes another draw."""
        seg = drafts.video_segment(session.draft)
        src_hash = next((i.get("hash", "") for i in session.video_infos
                         if seg and i.get("cdn_url") == seg.get("src")), "")
        key = f"{self.config.seed}:{session.messages}:{text}:{src_hash}{salt}".encode()
        return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") / 2**64


def iso(ts: float) -> str:
    """``2026-03-18T00:00:00Z``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
