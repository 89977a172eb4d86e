"""A headless Streamlit session over the app's websocket, for load tests.

It speaks the protocol the browser speaks (BackMsg/ForwardMsg protobufs on /_stcore/stream): asks
for script runs, fills widgets by label, clicks buttons, switches pages through the navigation the
server sent, and records what each run drew. It draws nothing, so twenty of them cost the test
machine almost nothing, unlike twenty Chromium renderers on two cores.

    async with StSession(url) as s:
        await s.run()                                         # first page view
        await s.submit_form({"Имя пользователя": "demo_base", "Пароль": "demo"}, "Войти")
        await s.open("journal")
        assert not s.problems()
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from types import TracebackType

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

ERROR_WORD = re.compile(r"ошибк", re.IGNORECASE)
MAIN, SIDEBAR = 0, 1  # first index of a delta path: the root container


@dataclass
class Drawn:
    """What one finished script run drew."""

    elements: dict[tuple[int, ...], Element] = field(default_factory=dict)

    def of_type(self, kind: str, root: int | None = None) -> list[Element]:
        return [
            e
            for path, e in sorted(self.elements.items())
            if e.WhichOneof("type") == kind and (root is None or path[0] == root)
        ]

    def main_count(self) -> int:
        return sum(1 for path in self.elements if path[0] == MAIN)


class StSession:
    """One browser tab's worth of Streamlit session, without the browser."""

    def __init__(self, base_url: str, *, timeout_s: float = 180.0) -> None:
        self.ws_url = base_url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.timeout_s = timeout_s
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.page_hash = ""
        self.query_string = ""
        self.drawn = Drawn()
        self.exceptions: list[str] = []
        self._ws: ClientConnection | None = None

    async def __aenter__(self) -> StSession:
        # No keepalive pings: a busy server may answer them late; each step has its own timeout.
        self._ws = await connect(
            self.ws_url,
            subprotocols=[Subprotocol("streamlit")],
            max_size=None,
            open_timeout=60,
            ping_interval=None,
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._ws is not None:
            await self._ws.close()

    # ------------------------------------------------------------ protocol

    async def _send_rerun(
        self, widgets: list[WidgetState] | None = None, page_hash: str | None = None
    ) -> None:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_hash if page_hash is None else page_hash
        state.context_info.timezone = "Europe/Samara"
        state.context_info.locale = "ru-RU"
        for w in widgets or []:
            state.widget_states.widgets.append(w)
        assert self._ws is not None
        await self._ws.send(msg.SerializeToString())

    def _handle(self, fwd: ForwardMsg) -> bool:
        """Apply one message; True when a run finished for good (not cut short by a rerun)."""
        kind = fwd.WhichOneof("type")
        if kind == "new_session":
            self.drawn = Drawn()
            self.page_hash = fwd.new_session.page_script_hash or self.page_hash
        elif kind == "delta":
            delta = fwd.delta
            if delta.WhichOneof("type") == "new_element":
                path = tuple(fwd.metadata.delta_path)
                self.drawn.elements[path] = delta.new_element
                if delta.new_element.WhichOneof("type") == "exception":
                    e = delta.new_element.exception
                    self.exceptions.append(f"{e.type}: {e.message}")
        elif kind == "navigation":
            nav = fwd.navigation
            self.pages = {p.url_pathname: p.page_script_hash for p in nav.app_pages}
            self.page_hash = nav.page_script_hash or self.page_hash
        elif kind == "page_info_changed":
            self.query_string = fwd.page_info_changed.query_string
        elif kind == "script_finished":
            status = fwd.script_finished
            if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return False
            return True
        elif kind == "page_not_found":
            self.exceptions.append(f"page not found: {fwd.page_not_found.page_name}")
        return False

    async def _until_finished(self) -> None:
        """Read messages until a run finishes and no new run starts within half a second."""
        assert self._ws is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        finished = False
        while True:
            wait = 0.5 if finished else deadline - loop.time()
            if wait <= 0:
                raise TimeoutError(f"no finished run within {self.timeout_s:.0f} s")
            try:
                raw = await asyncio.wait_for(self._ws.recv(), timeout=wait)
            except TimeoutError:
                if finished:
                    return
                raise
            fwd = ForwardMsg()
            fwd.ParseFromString(raw if isinstance(raw, bytes) else raw.encode())
            if (
                fwd.WhichOneof("type") == "session_status_changed"
                and fwd.session_status_changed.script_is_running
            ):
                finished = False
                self.drawn = Drawn()
            if self._handle(fwd):
                finished = True

    # ------------------------------------------------------------ user actions

    async def run(self) -> Drawn:
        """A plain rerun of the current page (the first page view)."""
        await self._send_rerun()
        await self._until_finished()
        return self.drawn

    async def open(self, url_path: str) -> Drawn:
        """Click the navigation entry of `url_path` ("" or the default page's path for the root)."""
        page_hash = self.pages.get(url_path)
        if page_hash is None:
            raise AssertionError(f"no page /{url_path} in the navigation: {sorted(self.pages)}")
        self.query_string = ""  # the menu drops query parameters
        await self._send_rerun(page_hash=page_hash)
        await self._until_finished()
        if self.page_hash != page_hash:
            raise AssertionError(f"asked for /{url_path}, the server ran another page")
        return self.drawn

    def _widget_id(self, kind: str, label: str) -> str:
        for e in self.drawn.of_type(kind):
            part = getattr(e, kind)
            if part.label == label:
                return str(part.id)
        raise AssertionError(f"no {kind} labelled «{label}» on the page")

    async def submit_form(self, values: dict[str, str], button: str) -> Drawn:
        """Type `values` into text inputs (by label) and click the submit button `button`."""
        widgets = []
        for label, value in values.items():
            w = WidgetState(id=self._widget_id("text_input", label))
            w.string_value = value
            widgets.append(w)
        click = WidgetState(id=self._widget_id("button", button))
        click.trigger_value = True
        widgets.append(click)
        await self._send_rerun(widgets)
        await self._until_finished()
        return self.drawn

    async def click(self, button: str) -> Drawn:
        click = WidgetState(id=self._widget_id("button", button))
        click.trigger_value = True
        await self._send_rerun([click])
        await self._until_finished()
        return self.drawn

    # ------------------------------------------------------------ checks

    def problems(self) -> list[str]:
        """Exceptions seen in any run, and our error boxes in the last one."""
        found = [f"exception shown: {m[:300]}" for m in self.exceptions]
        for e in self.drawn.of_type("alert"):
            if e.alert.format == Alert.ERROR and ERROR_WORD.search(e.alert.body):
                found.append(f"error box shown: {e.alert.body[:300]}")
        return found

    def has_button(self, label: str) -> bool:
        return any(e.button.label == label for e in self.drawn.of_type("button"))
