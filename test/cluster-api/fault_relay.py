#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A TCP relay that breaks on command, between kipvs and the API server:
#   fault_relay.py --listen HOST:PORT --to HOST:PORT [--rate BYTES_PER_S] [--pidfile F]
# SIGUSR1 cuts every connection (a reset, as a peer that died), SIGUSR2
# stalls every connection, open and new (bytes stop moving, nothing is
# closed) or, sent again, lets them move again; SIGHUP stops listening (new
# connections are refused, as by a server that is down) or, sent again,
# listens again. --rate slows the bytes from
# the server to this many per second, in small uneven pieces.
import argparse
import asyncio
import os
import random
import signal
import socket
import struct
import sys


def address(text):
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


class Relay:
    def __init__(self, target, rate):
        self.target = target
        self.rate = rate
        self.connections = set()
        self.moving = asyncio.Event()
        self.moving.set()

    def cut(self):
        for writer in list(self.connections):
            sock = writer.get_extra_info("socket")
            if sock is not None:
                # SO_LINGER 0: close() sends a reset.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
        self.connections.clear()
        print("relay: cut", flush=True)

    def toggle_stall(self):
        if self.moving.is_set():
            self.moving.clear()
            print("relay: stalled", flush=True)
        else:
            self.moving.set()
            print("relay: moving", flush=True)

    async def pipe(self, reader, writer, limited):
        try:
            while True:
                await self.moving.wait()
                size = random.randint(1, 1500) if limited else 65536
                data = await reader.read(size)
                if not data:
                    break
                await self.moving.wait()
                writer.write(data)
                await writer.drain()
                if limited:
                    await asyncio.sleep(len(data) / self.rate)
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            writer.transport.abort() if writer in self.connections else writer.close()

    async def serve(self, client_reader, client_writer):
        await self.moving.wait()
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self.connections.update((client_writer, server_writer))
        await asyncio.gather(
            self.pipe(client_reader, server_writer, False),
            self.pipe(server_reader, client_writer, self.rate > 0))
        self.connections.discard(client_writer)
        self.connections.discard(server_writer)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", required=True)
    parser.add_argument("--to", required=True)
    parser.add_argument("--rate", type=float, default=0)
    parser.add_argument("--pidfile")
    args = parser.parse_args()
    relay = Relay(address(args.to), args.rate)
    host, port = address(args.listen)
    server = await asyncio.start_server(relay.serve, host, port, reuse_address=True)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, relay.cut)
    loop.add_signal_handler(signal.SIGUSR2, relay.toggle_stall)
    if args.pidfile:
        with open(args.pidfile, "w") as f:
            f.write(f"{os.getpid()}\n")
    print(f"relay: {args.listen} -> {args.to}", flush=True)
    state = {"server": server}

    async def toggle_listening():
        if state["server"] is not None:
            state["server"].close()
            await state["server"].wait_closed()
            state["server"] = None
            print("relay: refusing", flush=True)
        else:
            state["server"] = await asyncio.start_server(relay.serve, host, port, reuse_address=True)
            print("relay: listening", flush=True)

    loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(toggle_listening()))
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
