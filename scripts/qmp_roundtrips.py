"""Sequential query-status round trips over a raw QMP Unix socket, as a simple Python client does them.

Usage: qmp_roundtrips.py SOCKET [COUNT]. Prints the round trips per second.
"""
import socket
import sys
import time


def main(path: str, count: int) -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    reader = sock.makefile("rb")
    reader.readline()  # greeting
    sock.sendall(b'{"execute":"qmp_capabilities"}')
    reader.readline()
    request = b'{"execute":"query-status","id":1}'
    start = time.perf_counter()
    for _ in range(count):
        sock.sendall(request)
        reader.readline()
    elapsed = time.perf_counter() - start
    print(f"python raw-socket client: {count / elapsed:.0f} round trips/s ({count} in {elapsed:.2f} s)")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 50000)
