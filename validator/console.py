"""The driver console: a small web page on loopback, served by the daemon.

Stdlib ``http.server`` on 127.0.0.1 only, one thread per request. Signing in
takes the crew number and PIN in a POST body (never in a URL, never logged);
the browser then holds a random session cookie (HttpOnly, SameSite=Strict).
Every action goes through the ``CrewService``; its answer is shown once on
the next page. Pages: ``validator.console_pages``.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from validator.console_pages import main_page, sign_in_page
from validator.crew_service import CrewService
from validator.model import Category

__all__ = ["Console", "StatusSource", "start_console"]

log = logging.getLogger("validator.console")

StatusSource = Callable[[], Mapping[str, str]]
SESSION_SECONDS = 12 * 3600
MAX_BODY = 4096
COOKIE = "crew_session"


class Console:
    def __init__(self, crew: CrewService, status: StatusSource, port: int) -> None:
        self.crew, self.status = crew, status
        self._sessions: dict[str, float] = {}  # token -> expiry (monotonic)
        self._messages: dict[str, str] = {}  # token -> the line to show next
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()
        log.info("Driver console on http://127.0.0.1:%d/", self.port)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- sessions -------------------------------------------------------------------

    def open_session(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[token] = time.monotonic() + SESSION_SECONDS
        return token

    def valid(self, token: str | None) -> bool:
        with self._lock:
            expiry = self._sessions.get(token or "")
            return expiry is not None and expiry > time.monotonic()

    def end_session(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)
            self._messages.pop(token or "", None)

    def tell(self, token: str, line: str) -> None:
        with self._lock:
            self._messages[token] = line

    def told(self, token: str) -> str | None:
        with self._lock:
            return self._messages.pop(token, None)

    # --- actions ----------------------------------------------------------------------

    def act(self, path: str, form: Mapping[str, str]) -> str:
        """Perform a POSTed action; the line for the crew."""
        crew = self.crew
        if path == "/shift":
            return self._shift(form)
        if path == "/sell":
            return self._sell(form)
        if path == "/reprint":
            return crew.reprint(form.get("ticket", "")).line
        if path == "/void":
            return crew.void(form.get("ticket", "")).line
        if path == "/inspect":
            return crew.inspect(form.get("code", "")[:2000]).line
        if path == "/inspect-tap":
            return crew.arm_inspection().line
        if path == "/inspect-cancel":
            return crew.cancel_inspection().line
        if path == "/report":
            return crew.print_report().line
        return "?"

    def _shift(self, form: Mapping[str, str]) -> str:
        action = form.get("action")
        if action == "route":
            return self.crew.choose_route(form.get("route", ""), form.get("direction", "")).line
        steps = {
            "start": self.crew.start_trip,
            "end": self.crew.end_trip,
            "close": self.crew.close_shift,
        }
        step = steps.get(action or "")
        return step().line if step is not None else "?"

    def _sell(self, form: Mapping[str, str]) -> str:
        try:
            category, riders = Category(form.get("category", "")), int(form.get("count", ""))
        except ValueError:
            riders, category = 0, Category.STANDARD  # refused below with the allowed count
        done = self.crew.sell(category, riders)
        if done.sale is None:
            return done.line
        return f"{done.sale.ticket_number}: {done.line}"

    def page(self, token: str | None) -> str:
        crew, language = self.crew, self.crew.language
        message = self.told(token) if token else None
        if not self.valid(token):
            return sign_in_page(language, message)
        book, last = crew.book(), crew.inspection.last
        return main_page(
            language,
            message,
            status=self.status(),
            state=crew.state,
            sales=crew.sales(),
            total=book.total,
            remote=crew.remote_tickets(),
            recent=crew.recent_taps(),
            waiting=crew.inspection.waiting_line(),
            last_inspection=None if last is None else f"{last.at:%H:%M} · {last.line}",
        )


def _handler(console: Console) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "validator-console"

        def log_message(self, format: str, *args: object) -> None:
            log.debug("console %s %s", self.command, self.path.split("?", 1)[0])

        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != "/":
                self._send(HTTPStatus.NOT_FOUND, "not found", "text/plain")
                return
            self._send(HTTPStatus.OK, console.page(self._token()), "text/html")

        def do_POST(self) -> None:
            form, token = self._form(), self._token()
            if form is None:
                self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too large", "text/plain")
            elif self.path == "/sign-in":
                self._sign_in(form, token)
            elif self.path == "/sign-out":
                console.end_session(token)
                self._see_other(None)
            elif token is not None and console.valid(token):
                console.tell(token, console.act(self.path, form))
                self._see_other(None)
            else:
                self._see_other(None)

        def _sign_in(self, form: Mapping[str, str], token: str | None) -> None:
            done = console.crew.sign_in(form.get("crew_id", ""), form.get("pin", ""))
            if done.ok:
                console.end_session(token)
                token = console.open_session()
                self._see_other(token)
                return
            notice = secrets.token_urlsafe(16)  # not a session: carries the refusal only
            console.tell(notice, done.line)
            self._see_other(notice)

        def _token(self) -> str | None:
            cookie = SimpleCookie(self.headers.get("Cookie", ""))
            morsel = cookie.get(COOKIE)
            return None if morsel is None else morsel.value

        def _form(self) -> dict[str, str] | None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                return None
            body = self.rfile.read(length).decode("utf-8", "replace")
            return {k: v[0] for k, v in parse_qs(body).items()}

        def _see_other(self, token: str | None) -> None:
            self.send_response(HTTPStatus.SEE_OTHER)
            self.send_header("Location", "/")
            if token is not None:
                self.send_header(
                    "Set-Cookie", f"{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
                )
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _send(self, status: HTTPStatus, text: str, kind: str) -> None:
            body = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def start_console(
    crew: CrewService | None, enabled: bool, port: int, status: StatusSource
) -> Console | None:
    """The console when configured and there is a crew; a port in use is logged,
    never fatal (taps go on)."""
    if crew is None or not enabled:
        return None
    try:
        console = Console(crew, status, port)
    except OSError as exc:
        log.error("Driver console not started: port %d on 127.0.0.1: %s (console.port)", port, exc)
        return None
    console.start()
    return console
