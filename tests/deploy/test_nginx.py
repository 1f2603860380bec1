"""deploy/nginx.conf as shipped, in Debian's nginx: the published feeds from
disk with the web service's headers (content type with charset, ETag,
Last-Modified, Cache-Control, Vary), 304s, the build's .ics.gz to clients that
accept gzip, no hidden file, and everything else passed to the web service.

nginx runs unprivileged in the foreground on a free loopback port with a
prefix of its own; the file is changed only in its paths and ports (the
strings its header names) and included in an http block like Debian's
/etc/nginx/nginx.conf. The web service behind it is the app over the same
copy of the published feeds, so each answer is compared with the app's own."""

from __future__ import annotations

import contextlib
import email.utils
import gzip
import http.client
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from conftest import BufferedClient
from paths import PUBLISHED_ON, ROOT
from services import free_port
from werkzeug.serving import make_server

from calendar_service.web import create_app

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CONF = ROOT / "deploy" / "nginx.conf"
FEEDS = [
    "/feeds/vi/all.ics",
    "/feeds/en/milestones.ics",
    "/feeds/vi/category/historical.ics",
    "/feeds/en/country/se.ics",
]
NO_GZIP = "/feeds/en/planning.ics"  # its .gz is removed from the copy
SECRET = b"not for readers"
HIDDEN = [
    "/feeds/.state.json",
    "/feeds/.build.json",
    "/feeds/.lock",
    "/feeds/%2estate.json",
    "/feeds/vi/.all.ics.k2j4.tmp",
    "/feeds/.staging-k2j4/vi/all.ics",
    "/feeds/vi/.hidden.ics",
]
# The main context and http block of Debian's /etc/nginx/nginx.conf, with
# the paths an unprivileged nginx can write.
MAIN = """\
worker_processes 1;
events {{ worker_connections 64; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {work}/access.log;
    gzip on;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    include {work}/calendar-service.conf;
}}
"""


def adapted(feeds_parent: Path, app_address: str, port: int) -> str:
    """deploy/nginx.conf with its three settings replaced, each exactly once."""
    text = CONF.read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for shipped, ours in (
        ("root /srv/calendar-service;", f"root {feeds_parent};"),
        ("server 127.0.0.1:8000;", f"server {app_address};"),
        ("listen 80;", f"listen 127.0.0.1:{port};"),
    ):
        assert body.count(shipped) == 1, f"deploy/nginx.conf no longer has one {shipped!r}"
        text = text.replace(shipped, ours)
    return text


def request(port: int, path: str, method: str = "GET", **headers: str):
    """One request with exactly these headers (and Host)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name.replace("_", "-"), value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


@contextlib.contextmanager
def serving(app, seen: list[str]):
    """The app on loopback; ``seen`` gets the path of every request nginx passes on."""

    def recording(environ, start_response):
        seen.append(environ["PATH_INFO"])
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, recording, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@contextlib.contextmanager
def running_nginx(work: Path, port: int):
    """nginx in the foreground, never as root: as nobody when the tests run as root."""
    as_user: dict = {}
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(work, nobody.pw_uid, nobody.pw_gid)
        as_user = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
    command = [NGINX, "-p", str(work), "-c", str(work / "nginx.conf")]
    directives = f"daemon off; pid {work}/nginx.pid; error_log {work}/error.log;"
    process = subprocess.Popen(
        [*command, "-g", directives], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **as_user
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                request(port, "/feeds/vi/all.ics", "HEAD")
                break
            except OSError:
                log = (work / "error.log").read_text() if (work / "error.log").exists() else ""
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.poll() is not None else ""
                    pytest.fail(f"nginx did not start: {output}{log}")
                time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.communicate(timeout=30)


@pytest.fixture(scope="module")
def served(published_feeds, settings, web_database):
    """A copy of the published feeds (mtimes kept) with hidden files in it,
    served by nginx and by the app behind it; yields (port, feeds, client,
    the paths nginx passed to the app)."""
    if not os.path.exists(NGINX):
        message = "Debian's nginx is not installed: run ./scripts/test, which installs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Not under pytest's folder (0700): nginx's user must reach the feeds.
    work = Path(tempfile.mkdtemp(prefix="calendar-nginx-"))
    try:
        work.chmod(0o755)
        srv = work / "srv"
        srv.mkdir(mode=0o755)
        feeds = srv / "feeds"
        shutil.copytree(published_feeds, feeds)
        feeds.chmod(0o755)  # pytest made it 0700; what the build wrote inside is kept as it is
        for name in HIDDEN:
            path = feeds / name.removeprefix("/feeds/").replace("%2e", ".")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(SECRET)
            path.chmod(0o644)
        (feeds / (NO_GZIP.removeprefix("/feeds/") + ".gz")).unlink()
        app = create_app(settings(feeds_dir=feeds, database_url=web_database))
        app.config.update(TESTING=True, TODAY=PUBLISHED_ON)
        app.test_client_class = BufferedClient
        port = free_port()
        seen: list[str] = []
        with serving(app, seen) as address:
            (work / "calendar-service.conf").write_text(adapted(srv, address, port), encoding="utf-8")
            (work / "nginx.conf").write_text(MAIN.format(work=work), encoding="utf-8")
            with running_nginx(work, port):
                yield port, feeds, app.test_client(), seen
    finally:
        shutil.rmtree(work, ignore_errors=True)


def http_date(path: Path) -> str:
    return email.utils.formatdate(int(path.stat().st_mtime), usegmt=True)


SAME_AS_THE_APP = ("Content-Type", "Last-Modified", "Cache-Control", "Vary", "X-Content-Type-Options")


@pytest.mark.parametrize("url", FEEDS)
def test_nginx_serves_a_feed_from_disk_with_the_web_services_headers(served, url):
    port, feeds, client, seen = served
    status, headers, body = request(port, url)
    assert status == 200 and url not in seen  # from disk, not passed to the app
    assert body == (feeds / url.removeprefix("/feeds/")).read_bytes()
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert headers["Content-Length"] == str(len(body))
    assert headers["ETag"].startswith('"') and headers["ETag"].endswith('"')  # strong
    assert headers["Last-Modified"] == http_date(feeds / url.removeprefix("/feeds/"))
    assert headers["Cache-Control"] == "public, max-age=3600"
    assert headers["Vary"] == "Accept-Encoding" and "Content-Encoding" not in headers
    app = client.get(url)
    for name in SAME_AS_THE_APP:
        assert headers.get_all(name) == [app.headers[name]], name


@pytest.mark.parametrize("url", FEEDS)
def test_nginx_answers_304_to_the_etag_and_the_date(served, url):
    port, feeds, client, _ = served
    _, headers, _ = request(port, url)
    status, again, body = request(port, url, If_None_Match=headers["ETag"])
    assert status == 304 and body == b""
    for name in ("ETag", "Last-Modified", "Cache-Control", "Vary"):
        assert again[name] == headers[name], name
    assert again["Vary"] == client.get(url, headers={"If-None-Match": "*"}).headers["Vary"]
    assert request(port, url, If_None_Match='"other"')[0] == 200
    assert request(port, url, If_Modified_Since=headers["Last-Modified"])[0] == 304
    later = email.utils.formatdate(
        int((feeds / url.removeprefix("/feeds/")).stat().st_mtime) + 3600, usegmt=True
    )
    earlier = email.utils.formatdate(
        int((feeds / url.removeprefix("/feeds/")).stat().st_mtime) - 1, usegmt=True
    )
    assert request(port, url, If_Modified_Since=later)[0] == 304  # as the app: not newer, not only equal
    assert client.get(url, headers={"If-Modified-Since": later}).status_code == 304
    assert request(port, url, If_Modified_Since=earlier)[0] == 200
    assert request(port, url, "HEAD", If_None_Match=headers["ETag"])[0] == 304


@pytest.mark.parametrize("url", FEEDS)
@pytest.mark.parametrize("accept", ["gzip", "gzip, deflate, br"])
def test_nginx_serves_the_builds_gzip_to_clients_that_accept_it(served, url, accept):
    port, feeds, client, _ = served
    feed = feeds / url.removeprefix("/feeds/")
    _, identity, _ = request(port, url)
    status, headers, body = request(port, url, Accept_Encoding=accept)
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert body == feed.with_name(feed.name + ".gz").read_bytes()
    assert gzip.decompress(body) == feed.read_bytes()
    assert headers["Content-Length"] == str(len(body))
    assert headers["ETag"] != identity["ETag"] and headers["ETag"].startswith('"')
    # The .gz file's own date (the app gives the .ics's: the build writes both
    # in the same second, and rewrites a .gz alone only when it was stale).
    assert headers["Last-Modified"] == http_date(feed.with_name(feed.name + ".gz"))
    app = client.get(url, headers={"Accept-Encoding": accept})
    assert app.headers["Content-Encoding"] == "gzip" and app.data == body
    for name in ("Content-Type", "Cache-Control", "Vary", "X-Content-Type-Options"):
        assert headers.get_all(name) == [app.headers[name]], name
    status, again, body = request(port, url, Accept_Encoding=accept, If_None_Match=headers["ETag"])
    assert (
        status == 304
        and body == b""
        and again["ETag"] == headers["ETag"]
        and again["Vary"] == "Accept-Encoding"
    )
    # A validator of one representation does not match the other.
    assert request(port, url, If_None_Match=headers["ETag"])[0] == 200
    assert request(port, url, Accept_Encoding=accept, If_None_Match=identity["ETag"])[0] == 200


def test_a_feed_without_its_gzip_is_served_as_text_with_vary(served):
    port, feeds, _, _ = served
    status, headers, body = request(port, NO_GZIP, Accept_Encoding="gzip")
    assert status == 200 and "Content-Encoding" not in headers
    assert body == (feeds / NO_GZIP.removeprefix("/feeds/")).read_bytes()
    assert headers.get_all("Vary") == ["Accept-Encoding"]


@pytest.mark.parametrize("url", HIDDEN)
def test_nginx_never_serves_a_hidden_file(served, url):
    port, _, _, seen = served
    for accept in ("identity", "gzip"):
        status, _, body = request(port, url, Accept_Encoding=accept)
        assert status == 404 and SECRET not in body
    assert not [path for path in seen if "/." in path]  # refused by nginx itself


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/filtered.ics?category=historical&lang=vi",
        "/feeds/index.json",
        "/feeds/vi/all.ics.gz",
        "/feeds/vi/no-such-feed.ics",
        "/healthz",
        "/subscribe?lang=en",
    ],
)
def test_everything_else_is_answered_by_the_web_service(served, url):
    port, _, client, seen = served
    status, headers, body = request(port, url)
    app = client.get(url)
    assert url.split("?")[0] in seen
    assert (status, body) == (app.status_code, app.data)
    assert headers["Content-Type"] == app.headers["Content-Type"]
