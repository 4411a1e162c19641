"""Real servers for tests and benchmarks, on 127.0.0.1 and free ports: PostgreSQL (Debian's
package, started from its binaries in a throw-away data directory) and Chroma (`chroma run`
from the venv). A missing binary is ServerMissing, with the reason.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOST = "127.0.0.1"
STARTUP_TIMEOUT_S = 60.0


def free_port() -> int:
    """A loopback port nothing listens on (bound then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class ServerMissing(RuntimeError):
    """The server's program is not installed here."""


class ServerFailed(RuntimeError):
    """The server did not start; the message holds its log."""


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


# ---------------------------------------------------------------- PostgreSQL


def postgres_bin() -> Path | None:
    """The directory of Debian's PostgreSQL server binaries (newest version), or of PATH's."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("postgres")
    return Path(on_path).resolve().parent if on_path else None


class PostgresServer:
    """A PostgreSQL cluster of its own: initdb into a temporary directory, the server on a
    free loopback port, trust login for the user ``xxgk``. PostgreSQL refuses to run as
    root, so as root it runs as the ``postgres`` user Debian's package creates."""

    user = "xxgk"

    def __init__(self) -> None:
        bindir = postgres_bin()
        if bindir is None:
            raise ServerMissing("PostgreSQL server binaries not found (Debian package postgresql)")
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="xxgk-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.log = self.root / "server.log"
        self._as: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise ServerMissing("running as root and there is no postgres user to run the server as") from None
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self._databases = 0

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise ServerFailed(f"{args[0]} failed ({done.returncode}): {done.stdout}{done.stderr}")

    def start(self) -> PostgresServer:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", self.user, "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                  "-t", str(int(STARTUP_TIMEOUT_S)), "-o",
                  f"-c listen_addresses={HOST} -p {self.port} -k {self.root} -c fsync=off "
                  "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                  "start")
        return self

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run([*self._as, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                            "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@{HOST}:{self.port}/{database}"

    def new_database(self) -> str:
        """The URL of a new, empty database."""
        import psycopg

        self._databases += 1
        name = f"xxgk_test_{os.getpid()}_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


# ---------------------------------------------------------------- Chroma


class ChromaServer:
    """`chroma run` with its own persistence directory."""

    def __init__(self, root: Path) -> None:
        self.executable = Path(sys.executable).parent / "chroma"
        if not self.executable.exists():
            raise ServerMissing(f"no chroma executable at {self.executable}")
        self.root = root
        self.port = free_port()
        self.log = root / "chroma.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> ChromaServer:
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [str(self.executable), "run", "--path", str(self.root / "chroma-db"), "--host", HOST,
                 "--port", str(self.port)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        self._wait()
        return self

    def _wait(self) -> None:
        import chromadb
        from chromadb.config import Settings

        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        last: Exception | None = None
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise ServerFailed(f"chroma run exited with {self.proc.returncode}:\n"
                            f"{self.log.read_text(errors='replace')}")
            try:
                chromadb.HttpClient(host=HOST, port=self.port,
                                    settings=Settings(anonymized_telemetry=False)).heartbeat()
                return
            except Exception as exc:  # connection refused until the server listens
                last = exc
                time.sleep(0.25)
        raise ServerFailed(f"chroma server on {HOST}:{self.port} not up after {STARTUP_TIMEOUT_S:.0f} s "
                    f"({last!r}):\n{self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)


def wait_for_http(url: str, proc: subprocess.Popen, log: Path | None = None, timeout: float = 180) -> None:
    """Until ``url`` answers; ServerFailed (with the log's tail) when the process exits or time runs out."""
    import urllib.request

    def tail() -> str:
        return log.read_text(errors="replace")[-3000:] if log is not None and log.exists() else ""

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerFailed(f"the server for {url} exited with {proc.returncode}:\n{tail()}")
        try:
            with urllib.request.urlopen(url, timeout=3):
                return
        except OSError:
            time.sleep(0.5)
    raise ServerFailed(f"{url} did not answer within {timeout:.0f} s:\n{tail()}")
