"""How long /healthz takes while N idle connections are held open (issue 8, item 7).

    .venv/bin/python scripts/idle_connections.py                 # the office settings
    .venv/bin/python scripts/idle_connections.py --connection-limit 100 --channel-timeout 120
                                                                 # waitress's own defaults

Starts ``plankb serve`` on a free loopback port with a throwaway instance, opens the idle
connections, asks /healthz once (giving up after 20 s), prints the time and stops the server.
Loopback only; bounded in count and time.
"""
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IDLE = int(os.environ.get("IDLE", "110"))


def main(extra: list[str]) -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as inst:
        proc = subprocess.Popen(
            [sys.executable, "-m", "plankb", "--instance", inst, "serve", "--port", str(port), *extra],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env=dict(os.environ, PYTHONUNBUFFERED="1"))
        idle = []
        try:
            for line in proc.stdout:
                if "已启动" in line:
                    break
            idle = [socket.create_connection(("127.0.0.1", port), timeout=20) for _ in range(IDLE)]
            t0 = time.perf_counter()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    status = s.recv(64).split(b"\r\n")[0].decode()
                print(f"{IDLE} idle connections open; /healthz: {status} in {time.perf_counter() - t0:.3f} s"
                      f" (serve {' '.join(extra) or 'with its office settings'})")
                return 0
            except socket.timeout:
                print(f"{IDLE} idle connections open; /healthz: no answer within 20 s"
                      f" (serve {' '.join(extra) or 'with its office settings'})")
                return 1
        finally:
            for s in idle:
                s.close()
            proc.terminate()
            proc.wait(60)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
