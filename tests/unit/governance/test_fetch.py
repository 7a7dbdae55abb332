"""``aiminer fetch`` against a loopback HTTP server (stdlib): parallel, resumable, ranged, verified, retried."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from aiminer.fetch import REPORT_NAME, Fetcher, FetchItem, load_manifest, safe_relative

BLOBS = {f"/obj{i}": bytes(range(256)) * (40 * (i + 1)) for i in range(4)}  # 10-40 KiB each


class Server(ThreadingHTTPServer):
    daemon_threads = True
    fail_next: dict[str, int]
    corrupt: set[str]
    ranges: list[str]
    cut_after: dict[str, int]


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/forbidden":
            self.send_error(403)
            return
        if self.server.fail_next.get(path, 0) > 0:
            self.server.fail_next[path] -= 1
            self.send_error(503)
            return
        data = BLOBS.get(path)
        if data is None:
            self.send_error(404)
            return
        if path in self.server.corrupt:
            data = b"X" + data[1:]
        rng = self.headers.get("Range")
        status, start, end = 200, 0, len(data) - 1
        if rng:
            self.server.ranges.append(f"{path} {rng}")
            a, b = rng.removeprefix("bytes=").split("-")
            status, start, end = 206, int(a), min(int(b), len(data) - 1)
        body = data[start : end + 1]
        cut = self.server.cut_after.pop(path, None)
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.end_headers()
        self.wfile.write(body if cut is None else body[:cut])


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server(("127.0.0.1", 0), Handler)
    srv.fail_next, srv.corrupt, srv.ranges, srv.cut_after = {}, set(), [], {}
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def items(srv: Server, expires_at: str = "") -> list[FetchItem]:
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    return [
        FetchItem(
            f"uni-a/lung-ai/obj{i}.dcm",
            len(b),
            hashlib.sha256(b).hexdigest(),
            f"{base}/obj{i}?X-Amz-Expires=60",
            expires_at,
        )
        for i, b in enumerate(BLOBS.values())
    ]


def test_downloads_everything_in_parallel_and_verifies(server: Server, tmp_path: Path) -> None:
    # GIVEN a manifest of four objects WHEN fetched with 3 workers THEN all land verified, progress adds up
    seen: list[int] = []
    report = Fetcher(tmp_path, workers=3, on_bytes=seen.append).run(items(server))
    assert report.ok and {r.status for r in report.results} == {"downloaded"}
    for it in items(server):
        assert hashlib.sha256((tmp_path / it.path).read_bytes()).hexdigest() == it.sha256
    assert sum(seen) == sum(len(b) for b in BLOBS.values())
    assert json.loads((tmp_path / REPORT_NAME).read_text())["ok"] is True
    # AND a rerun downloads nothing and reports them verified
    again = Fetcher(tmp_path).run(items(server))
    assert {r.status for r in again.results} == {"verified"}


def test_large_objects_are_fetched_in_ranges(server: Server, tmp_path: Path) -> None:
    it = items(server)[3]
    r = Fetcher(tmp_path, chunk_size=4096, large_threshold=8192).fetch_one(it)
    assert r.status == "downloaded"
    assert len([x for x in server.ranges if x.startswith("/obj3")]) == -(-it.size // 4096)


def test_resumes_a_partial_file_with_a_range_request(server: Server, tmp_path: Path) -> None:
    # GIVEN a .part holding the first 1000 bytes WHEN fetched THEN only the rest is requested
    it = items(server)[1]
    part = tmp_path / (it.path + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(BLOBS["/obj1"][:1000])
    r = Fetcher(tmp_path, chunk_size=1 << 20).fetch_one(it)
    assert r.status == "downloaded" and not part.exists()
    assert server.ranges == [f"/obj1 bytes=1000-{it.size - 1}"]


def test_interrupted_transfer_is_retried_and_resumed(server: Server, tmp_path: Path) -> None:
    # GIVEN the connection drops after 500 bytes once WHEN fetched THEN the retry resumes and verifies
    server.cut_after["/obj2"] = 500
    server.fail_next["/obj0"] = 2
    report = Fetcher(tmp_path, retries=3).run(items(server)[:3])
    assert report.ok
    assert any(x.startswith("/obj2 bytes=500-") for x in server.ranges)


def test_checksum_mismatch_fails_after_retries_and_leaves_no_file(server: Server, tmp_path: Path) -> None:
    server.corrupt.add("/obj0")
    report = Fetcher(tmp_path, retries=1).run(items(server)[:2])
    assert not report.ok
    [bad] = report.failed
    assert (bad.path, bad.reason) == ("uni-a/lung-ai/obj0.dcm", "sha256_mismatch")
    assert not (tmp_path / bad.path).exists() and not (tmp_path / (bad.path + ".part")).exists()
    # AND once the server is fixed, running again fetches only the failed one
    server.corrupt.clear()
    again = Fetcher(tmp_path).run(items(server)[:2])
    assert [r.status for r in again.results] == ["downloaded", "verified"]


def test_forbidden_and_expired_links_fail_without_retrying(server: Server, tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    forbidden = FetchItem("a/forbidden.bin", 1, "0" * 64, f"{base}/forbidden")
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    expired = items(server, expires_at=past)[0]
    report = Fetcher(tmp_path, retries=5).run([forbidden, expired])
    assert [(r.status, r.reason) for r in report.results] == [("failed", "forbidden"), ("failed", "link_expired")]


@pytest.mark.parametrize("bad", ["/etc/passwd", "../up.dcm", "a/../../b", "", "a//b", "a\\b"])
def test_manifest_paths_cannot_escape_the_folder(bad: str) -> None:
    with pytest.raises(ValueError):
        safe_relative(bad)


def test_manifest_loads_from_json_and_csv(tmp_path: Path) -> None:
    obj = {"path": "a/b.dcm", "size": 3, "sha256": "A" * 64, "url": "http://x/b", "expires_at": ""}
    (tmp_path / "m.json").write_text(json.dumps({"objects": [obj]}))
    (tmp_path / "m.csv").write_text("path,size,sha256,url,expires_at\na/b.dcm,3," + "A" * 64 + ",http://x/b,\n")
    assert load_manifest(tmp_path / "m.json") == load_manifest(tmp_path / "m.csv")
    assert load_manifest(tmp_path / "m.json")[0].sha256 == "a" * 64
    (tmp_path / "evil.json").write_text(json.dumps({"objects": [{**obj, "path": "../x"}]}))
    with pytest.raises(ValueError):
        load_manifest(tmp_path / "evil.json")
