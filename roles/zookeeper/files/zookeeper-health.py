"""Wait until a ZooKeeper server answers ruok with imok and srvr with a serving mode; print the mode.

Usage: zookeeper-health.py ADDRESS PORT TIMEOUT. Exits 1 with the last answer or error after TIMEOUT seconds.
"""

import socket
import sys
import time

SERVING = ('leader', 'follower', 'standalone')


def ask(address, port, word):
    with socket.create_connection((address, port), 5) as conn:
        conn.sendall(word.encode())
        data = b''
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                return data.decode(errors='replace')
            data += chunk


def main():
    address, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    deadline, last = time.monotonic() + timeout, ''
    while True:
        try:
            last = ask(address, port, 'ruok')
            if last == 'imok':
                last = ask(address, port, 'srvr')
                modes = [line[6:] for line in last.splitlines() if line.startswith('Mode: ')]
                if modes and modes[0] in SERVING:
                    print(modes[0])
                    return 0
        except OSError as error:
            last = str(error)
        if time.monotonic() > deadline:
            sys.stderr.write('%s:%d is not serving after %d s: %s\n' % (address, port, timeout, last.strip()[:300] or 'no answer'))
            return 1
        time.sleep(1)


if __name__ == '__main__':
    sys.exit(main())
