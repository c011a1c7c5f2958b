"""The suite's own guard: tests cannot reach the network, loopback still works."""

from __future__ import annotations

import os
import socket

import pytest
from conftest import OFFLINE_ENV


def test_remote_connections_are_blocked():
    with pytest.raises(ConnectionRefusedError, match="blocked"):
        socket.create_connection(("203.0.113.7", 443), timeout=1)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(ConnectionRefusedError, match="blocked"):
            sock.connect(("198.51.100.1", 80))


def test_loopback_is_allowed():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=2) as client:
            assert client.getpeername() == server.getsockname()


def test_offline_environment_is_set():
    for key, value in OFFLINE_ENV.items():
        assert os.environ[key] == value
