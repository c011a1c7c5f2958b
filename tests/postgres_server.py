"""A throwaway PostgreSQL cluster for the ``postgres`` tests: ``initdb`` into a temporary directory and
``pg_ctl start`` on a free loopback port, from Debian's ``postgresql`` package (``apt-get install
postgresql``). PostgreSQL refuses to run as root, so as root the cluster runs as the package's
``postgres`` user."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

USER = "atlas"


def binaries() -> Path | None:
    """The folder with initdb and pg_ctl, or None if PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def missing() -> str:
    """Why the cluster cannot start here, or "" if it can."""
    if binaries() is None:
        return "PostgreSQL is not installed (initdb/pg_ctl not found): apt-get install postgresql"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a 'postgres' user to run the cluster as"
    return ""


class PostgresCluster:
    """``start()`` creates and starts the cluster; ``url`` is its SQLAlchemy URL; ``stop()`` removes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.bin = binaries()
        if self.bin is None:
            raise RuntimeError(missing())
        self.dir = Path(tempfile.mkdtemp(prefix="atlas-pg-"))  # not under pytest's root-only folder
        self.data = self.dir / "data"
        self._as = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {result.stderr or result.stdout}")

    def start(self) -> PostgresCluster:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", USER, "-A", "trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"),
                  "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
