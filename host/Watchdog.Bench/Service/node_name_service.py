#!/usr/bin/env python3
"""The bench's service behind the virtual IP: answers every TCP connection with one line,
the name of the node it runs on, then closes. Run inside a server namespace:
    python3 node_name_service.py NODE_NAME PORT
It binds 0.0.0.0 so it answers on whatever address the node holds (its own and the VIP).
It prints "ready" once listening, so the bench can wait for it instead of sleeping."""
import socket
import sys


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: node_name_service.py NODE_NAME PORT", file=sys.stderr)
        return 2
    name, port = sys.argv[1], int(sys.argv[2])
    answer = (name + "\n").encode("ascii")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", port))
    listener.listen(512)
    print("ready", flush=True)
    while True:
        conn, _ = listener.accept()
        try:
            conn.sendall(answer)
        except OSError:
            pass  # the prober gave up (timeout) before we answered: nothing to do
        finally:
            conn.close()


if __name__ == "__main__":
    sys.exit(main())
