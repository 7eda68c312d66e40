# Sourced by bench/reports/run.sh and bench/consolidated/run.sh: fills a Watchpost database with
# 20 checks' compact history over [FROM_MS, TO_MS) the way the daemon keeps 30-second results
# (one sample per 5 minutes plus a row at every status change), FAILS random failures per check
# of 1 minute to 6 hours, and one monitor run covering it all until ALIVE_UNTIL_MS.
#   generate_history DB SITE FROM_MS TO_MS ALIVE_UNTIL_MS FAILS
generate_history() {
  local db=$1 site=$2 from=$3 to=$4 alive=$5 fails=$6
  local span_s=$(( (to - from) / 1000 ))
  sqlite3 "$db" <<SQL
PRAGMA journal_mode=WAL;
DELETE FROM history; DELETE FROM monitor_run; DELETE FROM check_state; DELETE FROM outbox;
INSERT INTO monitor_run (pid, started_ms, last_alive_ms, stopped_ms) VALUES (1, $from - 3600000, $alive, $alive);
CREATE TEMP TABLE checks AS WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 19) SELECT printf('c%02d', i) AS id FROM k;
CREATE TEMP TABLE fails AS WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < $fails)
  SELECT c.id AS check_id, $from + (abs(random()) % $span_s) * 1000 AS s, 0 AS e FROM checks c, k;
UPDATE fails SET e = s + 60000 + (abs(random()) % 21600) * 1000;
CREATE INDEX temp.fails_by_check ON fails (check_id, s);
BEGIN;
-- One sample per 5 minutes (what 30-second results leave in compact history)…
INSERT INTO history (site, check_id, at_ms, status, change, summary)
  WITH RECURSIVE n(t) AS (SELECT $from UNION ALL SELECT t + 300000 FROM n WHERE t + 300000 < $to)
  SELECT '$site', c.id, n.t, CASE WHEN EXISTS (SELECT 1 FROM fails f WHERE f.check_id = c.id AND f.s <= n.t AND n.t < f.e) THEN 2 ELSE 0 END, 0, '' FROM checks c, n;
-- …and a row at every change.
INSERT INTO history (site, check_id, at_ms, status, change, summary) SELECT '$site', check_id, s, 2, 1, 'down' FROM fails;
INSERT INTO history (site, check_id, at_ms, status, change, summary)
  SELECT '$site', f.check_id, f.e, CASE WHEN EXISTS (SELECT 1 FROM fails g WHERE g.check_id = f.check_id AND g.s <= f.e AND f.e < g.e) THEN 2 ELSE 0 END, 1, 'up'
  FROM fails f WHERE f.e < $to;
COMMIT;
SQL
}
