#!/usr/bin/env python3
"""The peer for bench/led: a plain Python NovaStar poller in the style of the public production
monitor (clearchannelinternational/Nova-Scripts: Python, one request, read the answer, next).
It issues exactly the request sequence Watchpost's full status poll issues (sending card: model,
firmware, signal, input selection, current input, redundancy; per port: register 0 of each card
plus one beyond; per card: firmware, brightness, kill, lock, test pattern, 82-byte monitoring)
and checks each answer's checksum, serial and ack. Prints polls/s and CPU ms per poll.

usage: peer_poll.py HOST PORT CARDS_PER_PORT(e.g. 8,8) POLLS
"""
import socket, struct, sys, time

def frame(serial, dev, port, board, addr, length):
    body = bytes([0, serial, 0xFE, 0, dev, port]) + struct.pack("<HBBIH", board, 0, 0, addr, length)
    b = b"\x55\xAA" + body
    cs = (0x5555 + sum(b[2:])) & 0xFFFF
    return b + struct.pack("<H", cs)

class Poller:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port), timeout=2)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.serial = 0
        self.buf = b""

    def recv_exact(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise IOError("closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read(self, dev, port, board, addr, length):
        self.serial = (self.serial + 1) & 0xFF
        self.s.sendall(frame(self.serial, dev, port, board, addr, length))
        head = self.recv_exact(18)
        assert head[:2] == b"\xAA\x55", head
        ack, serial = head[2], head[3]
        n = struct.unpack("<H", head[16:18])[0] if ack == 0 else 0
        rest = self.recv_exact(n + 2)
        assert (0x5555 + sum(head[2:]) + sum(rest[:-2])) & 0xFFFF == struct.unpack("<H", rest[-2:])[0]
        assert serial == self.serial
        return ack, rest[:-2]

    def poll(self, cards):
        for addr, n in ((0x2, 2), (0x04100004, 4), (0x02000017, 1), (0x02000022, 1), (0x02000023, 1), (0x02000018, 8)):
            self.read(0, 0, 0, addr, n)
        online = 0
        for p, count in enumerate(cards):
            for k in range(count + 1):
                ack, data = self.read(1, p, k, 0x0, 2)
                if ack != 0 or data == b"\x00\x00":
                    continue
                online += 1
                for addr, n in ((0x08000004, 4), (0x02000001, 1), (0x02000100, 1), (0x02000102, 1), (0x02000101, 1), (0x0A000000, 82)):
                    self.read(1, p, k, addr, n)
        return online

def main():
    host, port, cards, polls = sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3].split(",")], int(sys.argv[4])
    p = Poller(host, port)
    p.poll(cards)
    c0, t0 = time.process_time(), time.perf_counter()
    for _ in range(polls):
        online = p.poll(cards)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"polls={polls} cards={online} seconds={wall:.3f} polls_per_s={polls / wall:.3f} cpu_ms_per_poll={cpu * 1000 / polls:.3f}")

main()
