#!/usr/bin/env python3
"""A 7-bit SMTP server, the upstream of the relay tests of examples/msa.

Usage: relay_upstream.py OUTDIR

It offers neither 8BITMIME nor SMTPUTF8 nor STARTTLS nor SIZE (EHLO
answers PIPELINING and ENHANCEDSTATUSCODES only), so it is what RFC 6152,
Section 3 protects: it refuses any MAIL parameter (555 5.5.4), and message
data with an octet above 127 (554 5.6.1) or a line over 998 octets (554
5.6.0). It accepts RCPT TO:<forwarded@...> with 251 (RFC 5321, Section
3.4). Each message it accepts is written to OUTDIR/N.eml, dot-unstuffed,
exactly as received. It listens on a free port of 127.0.0.1, prints
"PORT n" on stdout, and exits when its stdin closes.
"""
import os
import socketserver
import sys
import threading

OUTDIR = sys.argv[1]
COUNT = [0]
LOCK = threading.Lock()


class Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.reply("220 upstream.example ESMTP 7-bit test server")
        sender, rcpts = None, []
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                return
            line = raw.decode("ascii", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb == "EHLO":
                self.reply("250-upstream.example")
                self.reply("250-PIPELINING")
                self.reply("250 ENHANCEDSTATUSCODES")
            elif verb == "HELO":
                self.reply("250 upstream.example")
            elif verb == "MAIL":
                params = line.split(">", 1)[1].split() if ">" in line else []
                if params:
                    self.reply("555 5.5.4 Parameters not offered: " + " ".join(params))
                    continue
                sender, rcpts = line, []
                self.reply("250 2.1.0 OK")
            elif verb == "RCPT":
                if sender is None:
                    self.reply("503 5.5.1 MAIL first")
                    continue
                rcpts.append(line)
                if "<forwarded@" in line.lower():
                    # RFC 5321, Section 3.4: a success, the address changes.
                    self.reply("251 2.1.5 User not local; will forward")
                else:
                    self.reply("250 2.1.5 OK")
            elif verb == "DATA":
                if sender is None or not rcpts:
                    self.reply("503 5.5.1 MAIL and RCPT first")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = bytearray()
                too_long = False
                while True:
                    l = self.rfile.readline()
                    if not l:
                        return
                    if l == b".\r\n":
                        break
                    if l.startswith(b"."):
                        l = l[1:]
                    too_long = too_long or len(l.rstrip(b"\r\n")) > 998
                    data += l
                sender, rcpts = None, []
                if any(b >= 0x80 for b in data):
                    self.reply("554 5.6.1 8-bit data, and 8BITMIME was not offered")
                elif too_long:
                    self.reply("554 5.6.0 Line over 998 octets")
                else:
                    with LOCK:
                        COUNT[0] += 1
                        n = COUNT[0]
                    with open(os.path.join(OUTDIR, "%d.eml" % n), "wb") as f:
                        f.write(bytes(data))
                    self.reply("250 2.0.0 Queued as %d" % n)
            elif verb == "RSET":
                sender, rcpts = None, []
                self.reply("250 2.0.0 OK")
            elif verb == "NOOP":
                self.reply("250 2.0.0 OK")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("502 5.5.2 Command not implemented")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("PORT %d" % srv.server_address[1], flush=True)
    sys.stdin.read()  # until the test closes our stdin
    srv.shutdown()


if __name__ == "__main__":
    main()
