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
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from types import TracebackType

import pyarrow as pa
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileURLs, FileURLsResponse
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

    def table_column(self, name: str) -> list[str]:
        """The cells of column `name` of every st.table drawn (the Arrow data the browser renders)."""
        out: list[str] = []
        for e in self.of_type("table"):
            with pa.ipc.open_stream(e.table.arrow_data.data) as reader:
                table = reader.read_all()
            if name in table.column_names:
                out += [str(v) for v in table.column(name).to_pylist() if v is not None]
        return out


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
        # time.perf_counter() when the last script run finished (the quiet half second after it,
        # which `_until_finished` waits for, is not part of the page's time)
        self.finished_at = 0.0
        self.session_id = ""
        self.base_url = base_url.rstrip("/")
        self._xsrf = ""  # the XSRF cookie the server set on the page load, sent back with uploads
        self._file_urls: dict[str, FileURLsResponse] = {}
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
            self.session_id = fwd.new_session.initialize.session_id or self.session_id
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
        elif kind == "file_urls_response":
            self._file_urls[fwd.file_urls_response.response_id] = fwd.file_urls_response
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
                self.finished_at = time.perf_counter()

    async def _recv_one(self, timeout: float) -> None:
        assert self._ws is not None
        raw = await asyncio.wait_for(self._ws.recv(), timeout=timeout)
        fwd = ForwardMsg()
        fwd.ParseFromString(raw if isinstance(raw, bytes) else raw.encode())
        self._handle(fwd)

    async def _request_file_urls(self, names: list[str]) -> list[FileURLs]:
        """Ask the server where to put `names` (BackMsg file_urls_request), as the uploader does."""
        msg = BackMsg()
        request_id = uuid.uuid4().hex
        msg.file_urls_request.request_id = request_id
        msg.file_urls_request.session_id = self.session_id
        msg.file_urls_request.file_names.extend(names)
        assert self._ws is not None
        await self._ws.send(msg.SerializeToString())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        while request_id not in self._file_urls:
            await self._recv_one(max(deadline - loop.time(), 0.01))
        response = self._file_urls.pop(request_id)
        if response.error_msg:
            raise AssertionError(f"no upload URLs: {response.error_msg}")
        return list(response.file_urls)

    def _xsrf_cookie(self) -> str:
        """The health check the page makes sets the XSRF cookie; uploads echo it in X-Xsrftoken."""
        if not self._xsrf:
            with urllib.request.urlopen(self.base_url + "/_stcore/health", timeout=60) as resp:
                for header in resp.headers.get_all("Set-Cookie") or []:
                    name, _, rest = header.partition("=")
                    if name.strip() == "_streamlit_xsrf":
                        self._xsrf = rest.split(";", 1)[0]
        return self._xsrf

    def _put_file(self, url: str, name: str, data: bytes) -> int:
        """PUT one file to the upload endpoint as multipart form data (what the browser sends)."""
        boundary = uuid.uuid4().hex
        safe = name.replace('"', "_")
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{safe}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        xsrf = self._xsrf_cookie()
        if xsrf:
            headers |= {"X-Xsrftoken": xsrf, "Cookie": f"_streamlit_xsrf={xsrf}"}
        req = urllib.request.Request(self.base_url + url, data=body, method="PUT", headers=headers)
        with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
            return int(resp.status)

    # ------------------------------------------------------------ user actions

    async def upload(self, label: str, files: list[tuple[str, bytes]]) -> Drawn:
        """Choose `files` (name, bytes) in the file uploader labelled `label`: the upload URLs over
        the websocket, one HTTP PUT per file to /_stcore/upload_file/…, then the uploader's new
        state in a rerun — the steps the browser takes. Replaces the files chosen before."""
        widget_id = self._widget_id("file_uploader", label)
        urls = await self._request_file_urls([n for n, _ in files])
        w = WidgetState(id=widget_id)
        infos = w.file_uploader_state_value.uploaded_file_info
        for (name, data), u in zip(files, urls, strict=True):
            status = await asyncio.to_thread(self._put_file, u.upload_url, name, data)
            if status not in (200, 204):
                raise AssertionError(f"upload of {name}: HTTP {status}")
            info = infos.add()
            info.name, info.size, info.file_id = name, len(data), u.file_id
            info.file_urls.CopyFrom(u)
        await self._send_rerun([w])
        await self._until_finished()
        return self.drawn

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
