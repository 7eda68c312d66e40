#!/usr/bin/python3
"""Issue #19's reproductions, re-run by hand against a built watchpost (debug build): each point of
the issue is tried as the issue tried it, on a throw-away copy of the shipped configuration.
Points 12 and 13 (disk full, SMTP outage) are benches of their own: bench/daemon/diskfull.sh and
bench/mail/outage.sh.
Usage: bench/hardening/repro.py [BIN_DIR=.build/debug] [SOURCE_ROOT=.] [POINT…]
Prints PASS/FAIL per reproduction with what was run and seen; exits 1 when any failed."""
import os, sys, subprocess, socket, time, json, shutil, tempfile, urllib.request, urllib.parse, http.cookiejar, re, signal, threading, glob, stat, hashlib, base64, sqlite3

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../.build/debug"))
ROOT = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "../.."))
ONLY = set(sys.argv[3:])
WP = os.path.join(BIN, "watchpost")
results = []
def record(n, name, ok, detail):
    results.append((n, name, ok, detail))
    print(f"[{'PASS' if ok else 'FAIL'}] {n}: {name} — {detail}", flush=True)

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def wp(*args, env=None, input=None, timeout=60):
    r = subprocess.run([WP, *args], capture_output=True, text=True, errors="replace", env=env, input=input, timeout=timeout)
    return r.returncode, r.stdout + r.stderr

def wait(what, cond, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v: return v
        time.sleep(0.2)
    raise RuntimeError("timed out waiting for " + what)

def shipped_copy():
    d = tempfile.mkdtemp(prefix="wp-repro-cfg-")
    for x in ["watchpost.conf", "probes", "alerts", "contrib"]:
        src = os.path.join(ROOT, x)
        (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(d, x))
    # The shipped content checks name the Department's public key, which a real box receives from
    # the Department (check refuses the copy without it): made here as the Department would.
    for conf in glob.glob(f"{d}/probes/*/checks.conf"):
        for key in re.findall(r"(?m)^public_key\s*=\s*(\S+)\.pub\s*$", open(conf).read()):
            os.makedirs(os.path.dirname(os.path.join(d, key)), exist_ok=True)
            if not os.path.exists(os.path.join(d, key + ".pub")):
                rc, out = wp("manifest", "keygen", "--out", os.path.join(d, key))
                assert rc == 0, out
    return d

def check(conf):
    return wp("check", "--config", conf)

FLIP = '#!/bin/sh\nif [ -e "$1" ]; then echo "CRITICAL - $2"; exit 2; fi\necho "OK"; exit 0\n'

class Box:
    """A daemon on a throw-away configuration: the Tây Trang profile, open 24/7, exec checks, a mail sink, the web."""
    def __init__(self, checks="", env_extra=None, secrets_extra="", web_extra=""):
        self.work = tempfile.mkdtemp(prefix="wp-repro-")
        w = self.work
        self.smtp = free_port(); self.web = free_port()
        os.makedirs(f"{w}/conf/probes/tay-trang"); os.makedirs(f"{w}/mail"); os.makedirs(f"{w}/flags")
        shutil.copytree(f"{ROOT}/alerts", f"{w}/conf/alerts")
        shutil.copy(f"{ROOT}/probes/tay-trang/site.conf", f"{w}/conf/probes/tay-trang/")
        # Own checks.conf below: the shipped [availability] names checks this copy lacks (check refuses it, #19).
        subprocess.run(["sed", "-i", r"/^\[availability\]/,/^\[/{/^checks *=/d;/^power_check *=/d}", f"{w}/conf/probes/tay-trang/site.conf"], check=True)
        with open(f"{w}/conf/probes/tay-trang/schedule.conf", "w") as f:
            f.write("[weekly]\n" + "".join(f"{d} = 00:00-24:00\n" for d in ["monday","tuesday","wednesday","thursday","friday","saturday","sunday"]))
        with open(f"{w}/flip.sh", "w") as f: f.write(FLIP)
        os.chmod(f"{w}/flip.sh", 0o755)
        base = f"""[check seal]
kind = exec
name = Niêm phong tủ / Cabinet seal
command = {w}/flip.sh
arguments = {w}/flags/seal niem-phong-bi-pha
category = security
interval = 1s
timeout = 900ms
fail_after = 1
"""
        with open(f"{w}/conf/probes/tay-trang/checks.conf", "w") as f: f.write(base + checks)
        with open(f"{w}/conf/watchpost.conf", "w") as f:
            f.write(f"""[daemon]
database = {w}/watchpost.db
secrets = {w}/secrets.conf
jitter = 0
[smtp]
host = 127.0.0.1
port = {self.smtp}
insecure = true
from = watchpost@tay-trang.example.org
[mail]
group_window = 1s
retry_initial = 1s
retry_max = 2s
[web]
listen = 127.0.0.1:{self.web}
base_url = http://127.0.0.1:{self.web}
{web_extra}""")
        self.key = os.urandom(32).hex()
        with open(f"{w}/secrets.conf", "w") as f: f.write(f"[web]\nlink_key = {self.key}\n{secrets_extra}")
        os.chmod(f"{w}/secrets.conf", 0o600)
        self.conf = f"{w}/conf"
        self.env = dict(os.environ, **(env_extra or {}))
        self.procs = []
        self.sink = subprocess.Popen(["/usr/bin/python3", f"{ROOT}/scripts/mail-sink.py", "--listen", f"127.0.0.1:{self.smtp}", "--dir", f"{w}/mail"],
                                     stdout=open(f"{w}/sink.log", "w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.daemon = None

    def start(self):
        self.log = open(f"{self.work}/daemon.log", "a")
        self.daemon = subprocess.Popen([WP, "run", "--config", self.conf], stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=self.env)
        wait("the web server", lambda: self.get("/healthz")[0] == 200, 60)
        return self

    def alive(self): return self.daemon is not None and self.daemon.poll() is None

    def stop(self):
        if self.alive():
            self.daemon.send_signal(signal.SIGTERM)
            try: self.daemon.wait(20)
            except subprocess.TimeoutExpired: self.daemon.kill(); self.daemon.wait()

    def close(self):
        self.stop(); self.sink.kill(); self.sink.wait()
        shutil.rmtree(self.work, ignore_errors=True)

    def get(self, path, headers=None, method="GET", data=None, opener=None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.web}{path}", headers=headers or {}, method=method, data=data)
        try:
            with (opener or urllib.request.build_opener(NoRedirect)).open(req, timeout=20) as r: return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e: return e.code, e.read().decode("utf-8", "replace")
        except Exception as e: return 0, str(e)

    def user(self, login, role, password="mat-khau-dai-du-12"):
        rc, out = wp("user", "add", login, "--role", role, "--name", login, "--config", self.conf, input=password + "\n")
        assert rc == 0, out
        rc, out = wp("user", "token", login, "--config", self.conf)
        assert rc == 0, out
        return re.findall(r"[A-Za-z0-9_\-]{32,}", out)[-1]

    def db(self, sql, *a):
        c = sqlite3.connect(f"{self.work}/watchpost.db", timeout=5); r = c.execute(sql, a).fetchall(); c.close(); return r

    def mails(self):
        import email, email.policy
        out = []
        for p in sorted(glob.glob(f"{self.work}/mail/*.eml")):
            raw = open(p, "rb").read().split(b"\n", 1)[1]
            out.append(email.message_from_bytes(raw, policy=email.policy.default))
        return out

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None

def run(n, name, fn):
    if ONLY and str(n) not in ONLY: return
    try: fn()
    except Exception as e:
        import traceback; traceback.print_exc()
        record(n, name, False, f"error: {e}")

# ---------------------------------------------------------------- 1
def r1():
    b = Box(); b.start()
    try:
        tok = b.user("so-tttt", "department")
        cmd = f"curl -H 'Authorization: Bearer …' 'http://127.0.0.1:{b.web}/api/v1/incidents?limit=-1'"
        st, body = b.get("/api/v1/incidents?limit=-1", {"Authorization": f"Bearer {tok}"})
        others = [b.get(f"/api/v1/incidents?limit={v}", {"Authorization": f"Bearer {tok}"})[0] for v in ["99999999999999999999", "abc", "", "1e3", "-0"]]
        time.sleep(1)
        record(1, "limit=-1", st == 400 and b.alive() and b.get("/healthz")[0] == 200,
               f"{cmd} → {st} {body.strip()[:120]!r}; limit=9…9/abc/''/1e3/-0 → {others}; daemon alive: {b.alive()}")
    finally: b.close()

# ---------------------------------------------------------------- 2
def r2():
    w = None
    b = Box(checks="")
    with open(f"{b.work}/big.sh", "w") as f:
        f.write('#!/bin/sh\necho "OK - huge | big=9.3e18 neg=-9.3e18 inf=1e400 nan=NaN;1;2 digits=9300000000000000000 negdigits=-9300000000000000000 more=99999999999999999999999 ok=5"\nexit 0\n')
    os.chmod(f"{b.work}/big.sh", 0o755)
    with open(f"{b.conf}/probes/tay-trang/checks.conf", "a") as f:
        f.write(f"\n[check huge]\nkind = exec\nname = Số đo lớn / Huge measurement\ncommand = {b.work}/big.sh\ninterval = 1s\ntimeout = 900ms\n")
    b.start()
    try:
        tok = b.user("admin1", "admin")
        wait("the huge check's result", lambda: b.db("SELECT COUNT(*) FROM check_state WHERE check_id='huge'")[0][0] > 0)
        views = []
        for _ in range(3):
            views.append(b.get("/api/v1/checks", {"Authorization": f"Bearer {tok}"})[0])
            views.append(b.get("/metrics", {"Authorization": f"Bearer {tok}"})[0])
        # The board page as a signed-in user.
        board = login(b, "admin1")
        stored = b.db("SELECT result_json FROM check_state WHERE check_id='huge'")[0][0]
        b.stop(); b.start()
        after = [b.get("/api/v1/checks", {"Authorization": f"Bearer {tok}"})[0], login(b, "admin1")]
        record(2, "measurement ±9.3e18 / inf / nan", all(v == 200 for v in views + [board] + after) and b.alive(),
               f"plugin prints 'big=9.3e18 neg=-9.3e18 inf=1e400 nan=NaN digits=9300000000000000000 negdigits=-9300000000000000000 more=99999999999999999999999'; /api/v1/checks and /metrics ×3 → {views}; board → {board}; "
               f"after restart → {after}; stored measurements: {re.findall(r'measurements.{0,600}', stored)[:1]}")
    finally: b.close()

def login(b, user, password="mat-khau-dai-du-12"):
    jar = http.cookiejar.CookieJar()
    op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    st, page = b.get("/login", opener=op)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"login": user, "password": password, "csrf": csrf, "next": "/"}).encode()
    st, _ = b.get("/login", method="POST", data=data, opener=op, headers={"Content-Type": "application/x-www-form-urlencoded"})
    st2, page2 = b.get("/", opener=op)
    return st2

# ---------------------------------------------------------------- 3, 4
def config_crash(n, name, path, old, new):
    d = shipped_copy()
    try:
        p = os.path.join(d, path)
        t = open(p).read()
        t2 = (t.replace(old, new, 1) if old else t + new)
        open(p, "w").write(t2)
        rc, out = check(d)
        line = next((l for l in out.splitlines() if path.split("/")[-1] in l and re.search(r":\d+:", l)), "")
        ok_check = rc != 0 and "Fatal" not in out and "overflow" not in out.lower() and bool(line)
        return ok_check, rc, line or out[-300:]
    finally: shutil.rmtree(d)

def sighup_case(mutate):
    b = Box(); b.start()
    try:
        pid = b.daemon.pid
        mutate(b)
        before = open(f"{b.work}/daemon.log").read()
        os.kill(pid, signal.SIGHUP)
        time.sleep(3)
        log = open(f"{b.work}/daemon.log").read()[len(before):]
        alive = b.alive() and b.get("/healthz")[0] == 200
        return alive, log.strip().splitlines()[-3:] if log.strip() else []
    finally: b.close()

def r3():
    ok, rc, line = config_crash(3, "", "probes/tay-trang/schedule.conf", None, "\n[exceptions]\n2026-12-24 =\n")
    def m(b):
        with open(f"{b.conf}/probes/tay-trang/schedule.conf", "a") as f: f.write("\n[exceptions]\n2026-12-24 =\n")
    alive, log = sighup_case(m)
    # run with it
    d = shipped_copy()
    record(3, "empty [exceptions] value", ok and alive,
           f"append '[exceptions]\\n2026-12-24 =' → watchpost check exit {rc}: {line!r}; SIGHUP on a running daemon → alive {alive}, log {log}")

def r4():
    ok, rc, line = config_crash(4, "", "probes/tay-trang/site.conf", "interval = 30s", "interval = 999999999999d")
    def m(b):
        p = f"{b.conf}/probes/tay-trang/checks.conf"; t = open(p).read().replace("interval = 1s", "interval = 999999999999d", 1); open(p, "w").write(t)
    alive, log = sighup_case(m)
    record(4, "duration overflow", ok and alive, f"site.conf interval = 999999999999d → check exit {rc}: {line!r}; SIGHUP → alive {alive}, log {log}")

# ---------------------------------------------------------------- 5
def r5():
    d = shipped_copy()
    try:
        rc0, out0 = check(d)
        for p in ["probes/tay-trang/checks.conf", "watchpost.conf"]:
            f = os.path.join(d, p); t = open(f).read().replace("\n", "\r\n"); open(f, "w").write(t)
        rc, out = check(d)
        # The checks and sections are still there: `watchpost checks`/`routes` would list them; compare check's summary.
        record(5, "CRLF files", rc0 == 0 and rc == rc0 and out.strip().splitlines()[-1:] == out0.strip().splitlines()[-1:],
               f"shipped copy: check exit {rc0} ({out0.strip().splitlines()[-1:]}); CRLF checks.conf + watchpost.conf: exit {rc} ({out.strip().splitlines()[-1:]})")
    finally: shutil.rmtree(d)

# ---------------------------------------------------------------- 6
def r6():
    cases = []
    d0 = shipped_copy(); rc_base, out_base = check(d0); shutil.rmtree(d0)
    if rc_base != 0:
        record(6, "silent acceptance", False, f"baseline: the unmodified shipped copy fails check (exit {rc_base}): {out_base.strip()[-200:]!r}")
        return
    def case(label, path, fn):
        d = shipped_copy()
        try:
            fn(os.path.join(d, path) if path else d)
            rc, out = check(d)
            loc = [l for l in out.splitlines() if re.search(r"\S+:\d+:", l)]
            cases.append((label, rc != 0 and bool(loc), rc, (loc[:1] or out.strip().splitlines()[-1:])[0][:150] if out.strip() else ""))
        finally: shutil.rmtree(d, ignore_errors=True)
    case("empty watchpost.conf", "watchpost.conf", lambda p: open(p, "w").write(""))
    case("truncated watchpost.conf (first 10 lines)", "watchpost.conf", lambda p: open(p, "w").write("".join(open(p).readlines()[:10])))
    case("empty checks.conf", "probes/tay-trang/checks.conf", lambda p: open(p, "w").write(""))
    case("missing plugin", "probes/tay-trang/checks.conf", lambda p: open(p, "a").write("\n[check x]\nkind = exec\ncommand = /nonexistent/check_x\n"))
    case("missing TLS certificate/key", "watchpost.conf", lambda p: open(p, "a").write("\n[web]\nlisten = 127.0.0.1:8443\ntls_certificate = /nonexistent/cert.pem\ntls_key = /nonexistent/key.pem\n"))
    def nokey(d):
        for k in glob.glob(f"{d}/**/*.pub", recursive=True): os.remove(k)
    case("missing content public key", "", nokey)
    case("NUL in a name", "probes/tay-trang/site.conf", lambda p: open(p, "a").write("\n[check nul]\nkind = exec\nname = a\x00b\ncommand = /bin/true\n"))
    case("invalid UTF-8 in a name", "probes/tay-trang/site.conf", lambda p: open(p, "ab").write(b"\n[check bad]\nkind = exec\nname = \xff\xfe\ncommand = /bin/true\n"))
    case("CR in a name", "probes/tay-trang/checks.conf", lambda p: open(p, "a").write("\n[check cr]\nkind = exec\nname = a\rb\ncommand = /bin/true\n"))
    case("192.0.2.300", "probes/tay-trang/checks.conf", lambda p: open(p, "a").write("\n[check ip]\nkind = tcp\nhost = 192.0.2.300\nport = 80\n"))
    # The shipped responder is disabled; the case is an enabled one (the blackout silently off).
    def resp(p, old, new):
        t = open(p).read()
        assert old in t, old
        open(p, "w").write(t.replace("enabled = false", "enabled = true").replace(old, new, 1))
    case("typo in an enabled responder's check", "probes/tay-trang/responders.conf", lambda p: resp(p, "check = led-controller", "check = led-controler"))
    case("typo in an enabled responder's on_findings", "probes/tay-trang/responders.conf",
         lambda p: resp(p, "on_findings = content.unexpected-file,", "on_findings = content.unexpected-files,"))
    def zero(p):
        if os.path.lexists(p): os.remove(p)
        os.symlink("/dev/zero", p)
    case(".conf → /dev/zero", "probes/tay-trang/maintenance.conf", zero)
    # SIGHUP with an empty watchpost.conf
    alive, log = sighup_case(lambda b: open(f"{b.conf}/watchpost.conf", "w").write(""))
    bad = [c for c in cases if not c[1]]
    record(6, "silent acceptance", not bad and alive,
           "; ".join(f"{c[0]}: exit {c[2]} {c[3]!r}" for c in cases) + f"; SIGHUP with an empty watchpost.conf → alive {alive}, log {log}")

# ---------------------------------------------------------------- 7
def r7():
    ex = open(f"{ROOT}/secrets.conf.example").read()
    placeholder = re.search(r"link_key\s*=\s*(\S+)", ex).group(1)
    out7 = []
    for label, secrets in [("BASELINE good random key", f"[web]\nlink_key = {os.urandom(32).hex()}\n"), ("example link key", f"[web]\nlink_key = {placeholder}\n"), ("3-character key", "[web]\nlink_key = abc\n"),
                           ("change-me SMTP password", f"[web]\nlink_key = {os.urandom(32).hex()}\n[smtp]\npassword = change-me\n"),
                           ("64 hex of low entropy", "[web]\nlink_key = " + "ab" * 32 + "\n")]:
        d = shipped_copy()
        try:
            t = open(f"{d}/watchpost.conf").read()
            t = re.sub(r"(?m)^secrets\s*=.*$", f"secrets = {d}/secrets.conf", t)
            t += "\n[web]\nlisten = 127.0.0.1:0\nbase_url = http://127.0.0.1:8080\n"
            open(f"{d}/watchpost.conf", "w").write(t)
            open(f"{d}/secrets.conf", "w").write(secrets); os.chmod(f"{d}/secrets.conf", 0o600)
            rc, out = check(d)
            msg = [l for l in out.splitlines() if "secrets" in l or "link_key" in l or "password" in l]
            out7.append((label, (rc == 0) if label.startswith("BASELINE") else (rc != 0), rc, (msg[:1] or [out.strip()[-150:]])[0][:200]))
        finally: shutil.rmtree(d)
    record(7, "placeholder / weak secrets", all(c[1] for c in out7), "; ".join(f"{c[0]}: exit {c[2]} {c[3]!r}" for c in out7))

# ---------------------------------------------------------------- 8
def respell(tok):
    # Another base64url spelling of the last character (its unused low bits flipped), and a trailing %20.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = tok[-1]; i = alphabet.index(last)
    variants = [tok[:-1] + alphabet[i ^ b] for b in (1, 2, 3) if (i ^ b) < 64]
    return variants + [tok + "%20", tok + "=", tok + "%3D", tok.replace("-", "+").replace("_", "/")]

def r8():
    b = Box(); b.start()
    try:
        open(f"{b.work}/flags/seal", "w").close()
        wait("a notice with a link", lambda: [m for m in b.mails() if "/ack/" in m.get_body(("plain",)).get_content()], 60)
        links = []
        for m in b.mails():
            # Tokens are "v1.<payload>.<signature>": the dots are part of them (a sentence's full stop is not).
            links += [x.rstrip(".") for x in re.findall(r"http://127\.0\.0\.1:\d+/ack/([A-Za-z0-9_.\-]+)", m.get_body(("plain",)).get_content())]
        tok = links[0]
        st_get, page = b.get(f"/ack/{tok}")
        form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
        data = urllib.parse.urlencode({**form, "name": "Lò Thị Mai", "note": "đã tới"}).encode()
        hdr = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"wp_csrf={form.get('csrf', '')}"}
        st1, _ = b.get(f"/ack/{tok}", method="POST", data=data, headers=hdr)
        acks1 = b.db("SELECT COUNT(*) FROM incident_ack")[0][0]
        replays = []
        for v in respell(tok):
            st, _ = b.get(f"/ack/{v}", method="POST", data=data, headers=hdr)
            replays.append((v[-4:], st))
        acks2 = b.db("SELECT COUNT(*) FROM incident_ack")[0][0]
        record(8, "re-spelled one-time link", acks1 == 1 and acks2 == 1 and all(s != 200 and s != 303 for _, s in replays),
               f"ack POST /ack/<token> → {st1}, acks {acks1}; {len(replays)} re-spellings (last char variants, %20, '=', %3D, +/) → {replays}; acks after {acks2}")
    finally: b.close()

# ---------------------------------------------------------------- 9
def r9():
    b = Box(); b.start()
    try:
        b.user("mai", "security")
        def attempt(login_name, pw, src="127.0.0.1"):
            try: s = socket.create_connection(("127.0.0.1", b.web), source_address=(src, 0), timeout=30)
            except OSError: return 0, b""  # refused at the door (per-address connection limit)
            body = urllib.parse.urlencode({"login": login_name, "password": pw, "csrf": "x" * 43, "next": "/"})
            s.sendall((f"POST /login HTTP/1.1\r\nHost: x\r\nCookie: wp_csrf={'x'*43}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                       f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}").encode())
            data = b""
            try:
                while True:
                    c = s.recv(65536)
                    if not c: break
                    data += c
            except OSError: pass
            s.close()
            head, _, rest = data.partition(b"\r\n\r\n")
            parts = head.split()
            # No answer: the connection was closed by the per-address limit before any work.
            return (int(parts[1]) if len(parts) > 1 else 0), rest
        codes = []
        ts = [threading.Thread(target=lambda: codes.append(attempt("mai", "sai-mat-khau-%d" % i)[0])) for i in range(64)]
        t0 = time.time(); [t.start() for t in ts]; [t.join() for t in ts]; dt = time.time() - t0
        hashed = b.db("SELECT COUNT(*) FROM web_audit") if False else None
        tried = codes.count(401) + codes.count(200)
        refused = codes.count(429) + codes.count(0)
        # Known vs unknown login answers.
        k = attempt("mai", "wrong-one", "127.0.0.5"); u = attempt("khong-co-ai", "wrong-one", "127.0.0.6")
        same = k[0] == u[0] and re.sub(rb"mai|khong-co-ai", b"", k[1]) == re.sub(rb"mai|khong-co-ai", b"", u[1])
        # The real user, from another address, after the attack: logs in.
        real = attempt("mai", "mat-khau-dai-du-12", "127.0.0.9")[0]
        record(9, "login throttling", refused > 0 and tried <= 10 and same and real in (200, 303),
               f"64 concurrent wrong passwords for 'mai' from 127.0.0.1 in {dt:.1f}s → codes {sorted(set(codes))}, {tried} tried, {refused} refused (429 or closed unanswered: {codes.count(0)}); "
               f"known vs unknown login: {k[0]} vs {u[0]}, same body: {same}; the real user from 127.0.0.9 → {real}")
    finally: b.close()

# ---------------------------------------------------------------- 10
def r10():
    b = Box(); b.start()
    try:
        def rows(): return b.db("SELECT (SELECT COUNT(*) FROM timeline) + (SELECT COUNT(*) FROM web_audit)")[0][0]
        r0 = rows(); t0 = time.time(); n = 0
        while time.time() - t0 < 10:
            b.get("/ack/" + base64.urlsafe_b64encode(os.urandom(60)).decode().rstrip("="))
            b.get("/api/v1/incidents", {"Authorization": "Bearer " + os.urandom(20).hex()})
            n += 2
        r1_ = rows()
        # 520 trickling connections from 9 addresses, then the board (healthz and an API call).
        socks = []
        for i in range(520):
            try:
                s = socket.create_connection(("127.0.0.1", b.web), source_address=(f"127.0.0.{2 + i % 9}", 0), timeout=5)
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n"); socks.append(s)
            except Exception: pass
        tok = b.user("so", "department")
        st = b.get("/api/v1/checks", {"Authorization": f"Bearer {tok}"})[0]
        from_other = None
        for s in socks: s.close()
        record(10, "anonymous writes, trickling connections", (r1_ - r0) <= 200 and st == 200,
               f"{n} forged links + anonymous API calls in 10 s wrote {r1_ - r0} timeline/audit rows; with {len(socks)} trickling connections open from 9 addresses, /api/v1/checks → {st}")
    finally: b.close()

# ---------------------------------------------------------------- 11
def r11():
    b = Box(checks="", env_extra={"WATCHPOST_LINK_KEY": os.urandom(32).hex(), "WATCHPOST_SMTP_PASSWORD": "bi-mat-smtp-123456", "SOMETHING_ELSE": "x"})
    with open(f"{b.work}/env.sh", "w") as f:
        f.write(f'#!/bin/sh\nenv > {b.work}/plugin-env.txt\necho OK\n')
    with open(f"{b.work}/hang.sh", "w") as f:
        f.write(f'#!/bin/sh\nsleep 1000 {b.work}-child-marker &\nsleep 1000\n')
    for s in ["env.sh", "hang.sh"]: os.chmod(f"{b.work}/{s}", 0o755)
    with open(f"{b.conf}/probes/tay-trang/checks.conf", "a") as f:
        f.write(f"\n[check env]\nkind = exec\nname = Env\ncommand = {b.work}/env.sh\ninterval = 1s\ntimeout = 900ms\n")
        f.write(f"\n[check hang]\nkind = exec\nname = Hang\ncommand = {b.work}/hang.sh\ninterval = 5s\ntimeout = 1s\n")
    b.start()
    try:
        wait("the env plugin", lambda: os.path.exists(f"{b.work}/plugin-env.txt"))
        time.sleep(0.5)
        env = open(f"{b.work}/plugin-env.txt").read()
        leaked = [k for k in ["WATCHPOST_LINK_KEY", "WATCHPOST_SMTP_PASSWORD", "SOMETHING_ELSE"] if k in env]
        time.sleep(4)
        marker = f"{b.work}-child-marker"
        children = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
        modes = {os.path.basename(p): oct(os.stat(p).st_mode & 0o777) for p in glob.glob(f"{b.work}/watchpost.db*")}
        # A malformed secrets line is reported by line number only.
        with open(f"{b.work}/secrets.conf", "a") as f: f.write("this-is-secret-PASSWORD-xyz\n")
        rc, out = check(b.conf)
        echoed = "this-is-secret-PASSWORD-xyz" in out
        line = [l for l in out.splitlines() if "secrets" in l][:1]
        # TLS key mode and secrets owner.
        os.chown(f"{b.work}/secrets.conf", 65534, 65534)
        rc2, out2 = check(b.conf)
        owner = [l for l in out2.splitlines() if "secrets" in l][:1]
        os.chown(f"{b.work}/secrets.conf", 0, 0)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{b.work}/key.pem", "-out", f"{b.work}/cert.pem",
                        "-days", "1", "-subj", "/CN=x"], capture_output=True)
        os.chmod(f"{b.work}/key.pem", 0o644)
        with open(f"{b.conf}/watchpost.conf", "a") as f: f.write(f"tls_certificate = {b.work}/cert.pem\ntls_key = {b.work}/key.pem\n")
        rc3, out3 = check(b.conf)
        tls = [l for l in out3.splitlines() if "key" in l and ("0644" in l or "644" in l or "mode" in l)][:1]
        for c in children:
            try: os.kill(int(c), 9)
            except Exception: pass
        ok = not leaked and not children and all(m == "0o600" for m in modes.values()) and rc != 0 and not echoed and rc2 != 0 and rc3 != 0 and tls
        record(11, "secrets", bool(ok),
               f"plugin env leaks {leaked or 'nothing'} (it sees {sorted(k.split('=')[0] for k in env.splitlines() if '=' in k)}); "
               f"timed-out plugin's child alive after kill: {children or 'none'}; db files {modes}; malformed secrets line: exit {rc}, echoed {echoed}, {line}; "
               f"secrets owned by nobody: exit {rc2} {owner}; TLS key 0644: exit {rc3} {tls}")
    finally: b.close()

# ---------------------------------------------------------------- 14
def r14():
    b = Box(); b.start()
    try:
        open(f"{b.work}/flags/seal", "w").close()
        wait("a notice", lambda: b.mails(), 60)
        text = b.mails()[0].get_body(("plain",)).get_content()
        anchor = re.search(r"([0-9a-f]{64}@\d+)", text).group(1)
        b.stop()
        rc_ok, out_ok = wp("audit", "verify", "--config", b.conf, "--anchor", anchor)
        # The attacker rewrites an entry and recomputes the whole chain and the head.
        c = sqlite3.connect(f"{b.work}/watchpost.db")
        cols = [r[1] for r in c.execute("PRAGMA table_info(timeline)")]
        rows = c.execute("SELECT * FROM timeline ORDER BY seq").fetchall()
        prev = "0" * 64
        for r in rows:
            d = dict(zip(cols, r))
            if d["seq"] == 1: d["text"] = d["text"] + " (sửa)"
            fields = [prev, str(d["seq"]), str(d["at_ms"]), d["site"], d["check_id"] if d["check_id"] is not None else "\x00",
                      str(d["incident_id"]) if d["incident_id"] is not None else "\x00", d["kind"], d["actor"], d["text"]]
            if d.get("message_json") is not None: fields.append(d["message_json"])
            h = hashlib.sha256()
            for f in fields: h.update(f"{len(f.encode())}:".encode()); h.update(f.encode())
            hh = h.hexdigest()
            c.execute("UPDATE timeline SET text = ?, prev_hash = ?, hash = ? WHERE seq = ?", (d["text"], prev, hh, d["seq"]))
            prev = hh
        c.execute("UPDATE meta SET value = ? WHERE key = 'timeline_head'", (f"{rows[-1][0]}:{prev}",))
        c.commit(); c.close()
        rc_plain, out_plain = wp("audit", "verify", "--config", b.conf)
        rc_bad, out_bad = wp("audit", "verify", "--config", b.conf, "--anchor", anchor)
        record(14, "anchor off the box", rc_ok == 0 and rc_plain == 0 and rc_bad != 0,
               f"anchor from the first mail {anchor[:12]}…; audit verify --anchor before rewrite: exit {rc_ok}; after rewriting seq 1 and recomputing the chain: "
               f"plain verify exit {rc_plain} ({out_plain.strip().splitlines()[-1:]}), with --anchor exit {rc_bad} ({out_bad.strip().splitlines()[-1:]})")
    finally: b.close()

for n, name, fn in [(1, "", r1), (2, "", r2), (3, "", r3), (4, "", r4), (5, "", r5), (6, "", r6), (7, "", r7), (8, "", r8), (9, "", r9), (10, "", r10), (11, "", r11), (14, "", r14)]:
    run(n, name, fn)
print("\nsummary:", " ".join(f"{n}:{'PASS' if ok else 'FAIL'}" for n, _, ok, _ in results))
sys.exit(0 if results and all(ok for _, _, ok, _ in results) else 1)
