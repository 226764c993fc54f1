# SPDX-License-Identifier: Apache-2.0
"""A pod's (or a host's) server for the end-to-end test.

    server.py NAME ADDRESS tcp:PORT... udp:PORT...

ADDRESS is IPv4 or IPv6. Every TCP port serves HTTP; every request, TCP or UDP, is answered with one
line "NAME PORT CLIENT": who answered, on which port, and the client address
it saw (so a test can tell masqueraded traffic from a preserved source).
"""
import http.server
import socket
import sys
import threading

name, address = sys.argv[1], sys.argv[2]
family = socket.AF_INET6 if ":" in address else socket.AF_INET


def answer(port, client):
    return f"{name} {port} {client}\n".encode()


def serve_tcp(port):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = answer(port, self.client_address[0])
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        address_family = family

    server = Server((address, port), Handler)
    server.daemon_threads = True
    server.serve_forever()


def serve_udp(port):
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((address, port))
    while True:
        _, client = sock.recvfrom(512)
        sock.sendto(answer(port, client[0]), client)


threads = []
for spec in sys.argv[3:]:
    protocol, port = spec.split(":")
    target = serve_tcp if protocol == "tcp" else serve_udp
    threads.append(threading.Thread(target=target, args=(int(port),), daemon=True))
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
