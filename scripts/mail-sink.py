#!/usr/bin/python3
"""A local SMTP server for Watchpost's tests, benchmark and demo, built on Debian's aiosmtpd.

Saves each accepted message as <dir>/<n>.eml (envelope recipients in an X-Envelope-To header
line first), and can misbehave on purpose:
  --reject ADDR      answer 550 to RCPT TO:<ADDR> (may be repeated)
  --tempfail N       answer 451 to the first N DATA commands
  --mode garbage     answer every connection with bytes that are not SMTP
  --mode hang        accept connections and never say anything
  --tls CERT KEY     offer STARTTLS (and require it: --require-starttls)
  --smtps CERT KEY   implicit TLS from the first byte
Run it with Debian's /usr/bin/python3 (the pyenv python3 first on PATH lacks aiosmtpd).
"""
import argparse, asyncio, os, socket, ssl, sys, threading, time

p = argparse.ArgumentParser()
p.add_argument("--listen", default="127.0.0.1:8025")
p.add_argument("--dir", required=True)
p.add_argument("--reject", action="append", default=[])
p.add_argument("--tempfail", type=int, default=0)
p.add_argument("--mode", choices=["normal", "garbage", "hang"], default="normal")
p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
p.add_argument("--smtps", nargs=2, metavar=("CERT", "KEY"))
p.add_argument("--require-starttls", action="store_true")
args = p.parse_args()
host, port = args.listen.rsplit(":", 1)
port = int(port)
os.makedirs(args.dir, exist_ok=True)

if args.mode != "normal":
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port)); srv.listen(16)
    print("ready", flush=True)
    held = []
    while True:
        c, _ = srv.accept()
        print("accepted a connection", flush=True)  # tests wait on it: a client is in flight
        if args.mode == "garbage":
            try: c.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n\x00\x01garbage\r\n")
            except OSError: pass
            time.sleep(0.2); c.close()
        else:
            held.append(c)  # never answer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

class Handler:
    def __init__(self):
        self.count = len([f for f in os.listdir(args.dir) if f.endswith(".eml")])
        self.tempfails = args.tempfail
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in [r.lower() for r in args.reject]:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"
    async def handle_DATA(self, server, session, envelope):
        if self.tempfails > 0:
            self.tempfails -= 1
            return "451 4.3.0 Temporary failure, try again later"
        self.count += 1
        name = os.path.join(args.dir, "%06d.eml" % self.count)
        with open(name + ".tmp", "wb") as f:
            f.write(("X-Envelope-To: %s\r\n" % ",".join(envelope.rcpt_tos)).encode())
            f.write(envelope.original_content)
        os.rename(name + ".tmp", name)
        return "250 OK queued as %d" % self.count

kw = {}
if args.tls:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH); ctx.load_cert_chain(*args.tls)
    kw = dict(tls_context=ctx, require_starttls=args.require_starttls)
ssl_ctx = None
if args.smtps:
    ssl_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH); ssl_ctx.load_cert_chain(*args.smtps)
c = Controller(Handler(), hostname=host, port=port, ssl_context=ssl_ctx, server_kwargs=kw, data_size_limit=10_000_000,
               ready_timeout=10)
# Controller's readiness probe connects without TLS; for implicit TLS skip it by starting manually.
c.start()
print("ready", flush=True)
try:
    threading.Event().wait()
except KeyboardInterrupt:
    pass
finally:
    c.stop()
