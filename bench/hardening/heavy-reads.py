#!/usr/bin/python3
"""#19 review s9, "Not done" 1: concurrent heavy reads must not stall the daemon.

A daemon (release build) on a store of PLAYS plays (default 2,300,000, made with one INSERT from a
recursive CTE), started with NOTIFY_SOCKET and WATCHDOG_USEC as systemd would (the daemon pings
at half the interval: 2 s here, so a ping is due every 1 s), a read-only (Department) API token.
For each round N of concurrent `GET /api/v1/plays` (over the whole log, LIMIT rows a page), from
two client addresses (127.0.0.1 and 127.0.0.2): the longest gap between watchdog pings from the
round's start until 2 s after its last answer, the slowest `/healthz` asked meanwhile (one after
another), the answers' statuses and slowest time, and the daemon's peak RSS (VmHWM) and the
largest VmRSS sampled in the round.

Usage: bench/hardening/heavy-reads.py [BIN_DIR=.build/release] [SOURCE_ROOT=.] [--plays N]
       [--rounds 2,4,16,32] [--limit N|default] [--keep DIR]
Prints one table row per round; exits 1 when a round's longest gap is 5 s or more."""
import argparse, os, sys, subprocess, socket, time, shutil, tempfile, threading, re, sqlite3, signal, http.client, json

HERE = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("bin", nargs="?", default=os.path.join(HERE, "../../.build/release"))
ap.add_argument("root", nargs="?", default=os.path.join(HERE, "../.."))
ap.add_argument("--plays", type=int, default=2_300_000)
ap.add_argument("--rounds", default="2,4,16,32")
ap.add_argument("--limit", default="default", help="rows a page: a number, or 'default' (the server's)")
ap.add_argument("--keep", help="a folder to keep (and reuse) the seeded database in")
args = ap.parse_args()
BIN, ROOT = os.path.abspath(args.bin), os.path.abspath(args.root)
WP = os.path.join(BIN, "watchpost")

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def wp(*a, input=None):
    r = subprocess.run([WP, *a], capture_output=True, text=True, input=input, timeout=120)
    if r.returncode != 0: sys.exit(f"watchpost {' '.join(a)} failed: {r.stdout}{r.stderr}")
    return r.stdout

work = tempfile.mkdtemp(prefix="wp-heavy-")
conf = f"{work}/conf"
os.makedirs(f"{conf}/probes/tay-trang"); os.makedirs(f"{work}/mail")
shutil.copytree(f"{ROOT}/alerts", f"{conf}/alerts")
shutil.copy(f"{ROOT}/probes/tay-trang/site.conf", f"{conf}/probes/tay-trang/")
# Own checks.conf below: the shipped [availability] names checks this copy lacks (check refuses it since 5db883e).
subprocess.run(["sed", "-i", r"/^\[availability\]/,/^\[/{/^checks *=/d;/^power_check *=/d}", f"{conf}/probes/tay-trang/site.conf"], check=True)
with open(f"{conf}/probes/tay-trang/schedule.conf", "w") as f:
    f.write("[weekly]\n" + "".join(f"{d} = 00:00-24:00\n" for d in ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]))
with open(f"{conf}/probes/tay-trang/checks.conf", "w") as f:
    f.write("[check box-alive]\nkind = exec\nname = Máy / Box\ncommand = /bin/true\ninterval = 5s\ntimeout = 2s\n")
smtp, web = free_port(), free_port()
db_path = f"{args.keep}/watchpost.db" if args.keep else f"{work}/watchpost.db"
if args.keep: os.makedirs(args.keep, exist_ok=True)
with open(f"{conf}/watchpost.conf", "w") as f:
    f.write(f"[daemon]\ndatabase = {db_path}\nsecrets = {work}/secrets.conf\njitter = 0\n[smtp]\nhost = 127.0.0.1\nport = {smtp}\ninsecure = true\n"
            f"from = watchpost@tay-trang.example.org\n[web]\nlisten = 127.0.0.1:{web}\nbase_url = http://127.0.0.1:{web}\n")
with open(f"{work}/secrets.conf", "w") as f: f.write(f"[web]\nlink_key = {os.urandom(32).hex()}\n")
os.chmod(f"{work}/secrets.conf", 0o600)
sink = subprocess.Popen(["/usr/bin/python3", f"{ROOT}/scripts/mail-sink.py", "--listen", f"127.0.0.1:{smtp}", "--dir", f"{work}/mail"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)

# The watchdog's pings, as systemd would receive them.
notify_path = f"{work}/notify.sock"
ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); ns.bind(notify_path)
pings, ready = [], threading.Event()
def listen():
    while True:
        try: m = ns.recv(4096)
        except OSError: return
        if b"WATCHDOG=1" in m: pings.append(time.monotonic())
        if b"READY=1" in m: ready.set()
threading.Thread(target=listen, daemon=True).start()
env = dict(os.environ, NOTIFY_SOCKET=notify_path, WATCHDOG_USEC="2000000")
log = open(f"{work}/daemon.log", "a")

def start():
    d = subprocess.Popen([WP, "run", "--config", conf], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    end = time.time() + 120
    while time.time() < end:
        try:
            c = http.client.HTTPConnection("127.0.0.1", web, timeout=5); c.request("GET", "/healthz")
            if c.getresponse().status == 200: return d
        except OSError: time.sleep(0.2)
    sys.exit("the daemon's web server did not answer")

def stop(d):
    d.send_signal(signal.SIGTERM)
    try: d.wait(30)
    except subprocess.TimeoutExpired: d.kill(); d.wait()

# The schema from a first start, then the plays in one statement (one every 10 s from 2026-01-01).
seeded = os.path.exists(db_path) and sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM sqlite_master WHERE name='broadcast_log'").fetchone()[0] == 1 \
    and sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM broadcast_log").fetchone()[0] >= args.plays
if not seeded:
    stop(start())
    t0 = time.time()
    c = sqlite3.connect(db_path)
    c.execute("INSERT INTO broadcast_item (path, name, sha256, approved, manifest_id, key_id, sequence, title) VALUES (?, ?, ?, 1, ?, ?, 7, ?)",
              ("videos/hoa-ban.mp4", "hoa-ban.mp4", "a" * 64, "f" * 64, "3f1c0e5b9a7d2c44", "Lễ hội Hoa Ban"))
    item = c.execute("SELECT last_insert_rowid()").fetchone()[0]
    base = 1767200400000  # 2026-01-01T00:00:00+07:00
    c.execute("""WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                 INSERT INTO broadcast_log (site, player, entry, started_ms, ended_ms, last_seen_ms, item_id)
                 SELECT 'tay-trang', 'p1', 'play', ? + i * 10000, ? + i * 10000 + 9500, ? + i * 10000 + 9500, ? FROM n""",
              (args.plays - 1, base, base, base, item))
    c.commit(); c.execute("PRAGMA wal_checkpoint(TRUNCATE)"); c.close()
    print(f"seeded {args.plays} plays in {time.time() - t0:.1f} s", flush=True)
wp("user", "add", "so-tttt", "--role", "department", "--name", "So TTTT", "--config", conf, input="mat-khau-dai-du-12\n") \
    if not sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM web_user WHERE login='so-tttt'").fetchone()[0] else None
token = re.findall(r"[A-Za-z0-9_\-]{32,}", wp("user", "token", "so-tttt", "--config", conf))[-1]

daemon = start()
ready.wait(30)
pid = daemon.pid
def status_kb(field):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(field + ":"): return int(line.split()[1])
    except OSError: pass
    return 0

query = "/api/v1/plays?site=tay-trang&from=2026-01-01&to=2027-01-01" + ("" if args.limit == "default" else f"&limit={args.limit}")
def get(path, source, out, i):
    t = time.monotonic()
    try:
        c = http.client.HTTPConnection("127.0.0.1", web, timeout=300, source_address=(source, 0))
        c.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        r = c.getresponse(); body = r.read()
        out[i] = (r.status, time.monotonic() - t, len(body), r.getheader("Retry-After"))
    except Exception as e:
        out[i] = (0, time.monotonic() - t, 0, str(e))

print(f"| concurrent | limit | statuses | slowest answer s | longest ping gap s | slowest /healthz s | VmRSS max MB | VmHWM MB |", flush=True)
print(f"|---|---|---|---|---|---|---|---|", flush=True)
worst = 0.0
time.sleep(3)
for n in [int(x) for x in args.rounds.split(",")]:
    out = [None] * n
    start_t = time.monotonic()
    threads = [threading.Thread(target=get, args=(query, "127.0.0.1" if i % 2 == 0 else "127.0.0.2", out, i)) for i in range(n)]
    for t in threads: t.start()
    rss, healthz = 0, 0.0
    while any(t.is_alive() for t in threads):
        rss = max(rss, status_kb("VmRSS"))
        h = [None]; get("/healthz", "127.0.0.1", h, 0); healthz = max(healthz, h[0][1])
        time.sleep(0.1)
    end_t = time.monotonic()
    time.sleep(2.5)
    rss = max(rss, status_kb("VmRSS"))
    window = [start_t] + [p for p in pings if start_t <= p <= end_t + 2.5] + [min(time.monotonic(), end_t + 2.5)]
    gap = max(b - a for a, b in zip(window, window[1:]))
    worst = max(worst, gap)
    statuses = {}
    for s in out: statuses[s[0]] = statuses.get(s[0], 0) + 1
    print(f"| {n} | {args.limit} | {' '.join(f'{k}×{v}' for k, v in sorted(statuses.items()))} | {max(s[1] for s in out):.1f} | {gap:.1f} | {healthz:.2f} | "
          f"{rss / 1024:.0f} | {status_kb('VmHWM') / 1024:.0f} |", flush=True)
    time.sleep(2)
stop(daemon); sink.kill(); ns.close()
if not args.keep: shutil.rmtree(work, ignore_errors=True)
else: print(f"daemon log: {work}/daemon.log")
sys.exit(0 if worst < 5 else 1)
