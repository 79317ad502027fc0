#!/usr/bin/env python3
"""A small HTTP proxy for the spark scenario: the site's proxy (base_proxy_*) that the host really goes through.

It tunnels CONNECT requests (pip, uv and the JVMs' HTTPS) and answers 502 to anything else; it logs each
request line (never the headers, which may hold Proxy-Authorization) to the file given as second argument,
so the tests can tell which connections went through the proxy and which went direct.
"""

import asyncio
import sys

PORT = int(sys.argv[1])
LOG = sys.argv[2]


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def handle(reader, writer):
    try:
        head = await asyncio.wait_for(reader.readuntil(b'\r\n\r\n'), 30)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ConnectionError):
        writer.close()
        return
    line = head.split(b'\r\n', 1)[0].decode('latin-1')
    with open(LOG, 'a', encoding='utf-8') as log:
        log.write(line + '\n')
    method, _, rest = line.partition(' ')
    target = rest.partition(' ')[0]
    host, _, port = target.rpartition(':')
    upstream = None
    if method == 'CONNECT' and port.isdigit():
        try:
            upstream = await asyncio.wait_for(asyncio.open_connection(host.strip('[]'), int(port)), 30)
        except (OSError, asyncio.TimeoutError):
            upstream = None
    if upstream is None:
        writer.write(b'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
        await writer.drain()
        writer.close()
        return
    writer.write(b'HTTP/1.1 200 Connection established\r\n\r\n')
    await writer.drain()
    await asyncio.gather(pipe(reader, upstream[1]), pipe(upstream[0], writer))


async def main():
    server = await asyncio.start_server(handle, '127.0.0.1', PORT)
    async with server:
        await server.serve_forever()


asyncio.run(main())
