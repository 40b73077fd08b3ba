"""The end-to-end tests' fixtures: the database, the servers, HTTP helpers.

Everything runs on 127.0.0.1 and writes under .run/python/ of the repo.
Each server started here is recorded in .run/python/pids/<name>.pid
(its pid and its program's name) and stopped by that pid: by stop_all()
at the end of the run, and by run.sh's trap should the run itself die.

The throwaway cluster is the one of scripts/setup.sh (scripts/env.sh:
PGHOST is its socket directory, PGPORT 54329, superuser postgres).
"""

import atexit
import http.client as httplib
import json
import os
import signal
import socket
import subprocess
import sys
import time

import psycopg2
import psycopg2.extras

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
E2E = os.path.join(REPO, "test", "python", "e2e")
SITE = os.path.join(E2E, "site")
OUT = os.path.join(REPO, ".run", "python")
PIDS = os.path.join(OUT, "pids")
PGHOST = os.environ.get("PGHOST", os.path.join(REPO, ".pgdata"))
PGPORT = int(os.environ.get("PGPORT", "54329"))
PYTHON = "/usr/bin/python3"

DBNAME = "e2e_webhook"
SCALE_DBNAME = "e2e_webhook_scale"
STRIPE_SECRET = "whsec_e2e_5tr1pe_test_secret_0123456789"
OUTSIDER_SECRET = "whsec_e2e_outsider_secret_9876543210"
ADMIN_USER, ADMIN_PASSWORD = "admin", "e2e-admin-password"
LOGIN_TOKEN = "e2e-login-token-0f3a9c"
MAX_ATTEMPTS = 3

# roles, as README's Security section grants them
INGEST_ROLE = "e2e_ingest"    # EXECUTE on webhook_ingest, nothing else
WORKER_ROLE = "e2e_worker"    # EXECUTE on the outbox functions, the shop's tables
ADMIN_ROLE = "e2e_admin"      # Django's own tables, reads webhook's
MONITOR_ROLE = "e2e_monitor"  # the exporter: SELECT on the views it reads
ROLES = (INGEST_ROLE, WORKER_ROLE, ADMIN_ROLE, MONITOR_ROLE)

os.makedirs(PIDS, exist_ok=True)


def log(msg):
    """A diagnostic line (TAP comment)."""
    for line in str(msg).splitlines() or [""]:
        print("# " + line, flush=True)


# --- the database ----------------------------------------------------------

def connect(dbname=DBNAME, user="postgres", autocommit=True, **kw):
    """A psycopg2 connection over the cluster's socket.  The cluster may be
    restarting (scripts/setup.sh): one retry after a few seconds."""
    for attempt in (1, 2):
        try:
            conn = psycopg2.connect(host=PGHOST, port=PGPORT, user=user, dbname=dbname, **kw)
            conn.autocommit = autocommit
            return conn
        except psycopg2.OperationalError:
            if attempt == 2:
                raise
            time.sleep(5)


def sql(query, params=None, dbname=DBNAME, user="postgres"):
    """Run one statement as USER; the rows it returns, if any."""
    conn = connect(dbname, user)
    try:
        with conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def value(query, params=None, dbname=DBNAME):
    rows = sql(query, params, dbname)
    return rows[0][0] if rows else None


def has_relation(name, dbname=DBNAME):
    return value("SELECT to_regclass(%s) IS NOT NULL", [name], dbname)


def has_function(name, dbname=DBNAME):
    return value("SELECT count(*) > 0 FROM pg_proc WHERE proname = %s", [name], dbname)


def package_ready():
    """The Django package (python/pgwebhook/django) is there."""
    return os.path.isdir(os.path.join(REPO, "python", "pgwebhook", "django"))


def outbox_ready():
    return has_function("webhook_outbox_claim")


GRANTS = """
GRANT USAGE ON SCHEMA public TO {ingest}, {worker}, {admin};
GRANT EXECUTE ON FUNCTION webhook_ingest(text, jsonb, bytea, text),
                          webhook_ingest(text, jsonb, text, text),
                          webhook_ingest(jsonb) TO {ingest};
GRANT CREATE ON SCHEMA public TO {admin};
GRANT SELECT ON webhook_providers, webhook_certificates, webhook_events, webhook_deliveries,
                webhook_delivery_counts, webhook_payments, webhook_orders, webhook_refunds,
                webhook_currencies, webhook_event_actions TO {admin};
GRANT INSERT, UPDATE ON webhook_payments, webhook_orders TO {admin};
GRANT SELECT ON webhook_stats, webhook_stats_daily, webhook_parked_events,
                webhook_stuck_payments TO {admin};
GRANT SELECT (id, provider, label, payment_reference, valid_from, valid_until, created_at)
      ON webhook_secrets TO {admin};
GRANT EXECUTE ON FUNCTION webhook_reprocess(bigint), webhook_redeliver(bigint) TO {admin};
"""

# what contrib/prometheus/README.md grants the exporter's role
MONITOR_GRANTS = """
GRANT pg_monitor TO {monitor};
GRANT USAGE ON SCHEMA public TO {monitor};
GRANT SELECT ON webhook_delivery_counts, webhook_stats, webhook_parked_counts TO {monitor};
GRANT SELECT (name) ON webhook_providers TO {monitor};
"""


def grant_monitor(dbname=DBNAME):
    sql(MONITOR_GRANTS.format(**role_names()), dbname=dbname)
    if has_relation("webhook_outbox_lag", dbname):
        sql("GRANT SELECT ON webhook_outbox_lag TO %s" % MONITOR_ROLE, dbname=dbname)

# the worker role: EXECUTE on the outbox functions (every overload) and nothing else
OUTBOX_FUNCTIONS = ("webhook_subscribe", "webhook_unsubscribe", "webhook_outbox_claim",
                    "webhook_outbox_ack", "webhook_outbox_nack", "webhook_listen")


def grant_functions(names, role, dbname=DBNAME):
    for (sig,) in sql("SELECT p.oid::regprocedure::text FROM pg_proc p"
                      " WHERE p.proname = ANY (%s) ORDER BY 1", [list(names)], dbname):
        sql("GRANT EXECUTE ON FUNCTION %s TO %s" % (sig, role), dbname=dbname)


SHOP_TABLES = """
CREATE TABLE shop_receipt (
    message_id bigint NOT NULL UNIQUE,
    reference  text NOT NULL,
    amount     numeric,
    worker_pid int NOT NULL,
    sent_at    timestamptz NOT NULL DEFAULT now()
);
-- every call of a handler, committed or not: written on a connection of its own
CREATE TABLE shop_call (
    message_id bigint NOT NULL,
    topic      text,
    reference  text,
    worker_pid int NOT NULL,
    called_at  timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON shop_receipt, shop_call TO {worker};
GRANT SELECT ON shop_receipt, shop_call TO {admin};
"""


def create_roles():
    for role in ROLES:
        sql("""DO $$ BEGIN
                 IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%s') THEN
                   CREATE ROLE %s LOGIN;
                 END IF; END $$""" % (role, role), dbname="postgres")


def recreate_database(dbname):
    sql("SET client_min_messages = warning", dbname="postgres")
    sql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % dbname, dbname="postgres")
    sql("CREATE DATABASE %s" % dbname, dbname="postgres")
    sql("CREATE EXTENSION webhook", dbname=dbname)


def role_names():
    return dict(ingest=INGEST_ROLE, worker=WORKER_ROLE, admin=ADMIN_ROLE, monitor=MONITOR_ROLE)


def setup_database():
    """e2e_webhook afresh: the extension, the roles' grants, the shop's
    tables, the providers; then Django's tables and the admin user."""
    create_roles()
    recreate_database(DBNAME)
    sql(GRANTS.format(**role_names()))
    sql(SHOP_TABLES.format(**role_names()))
    grant_monitor()
    sql("ALTER DATABASE %s OWNER TO %s" % (DBNAME, ADMIN_ROLE), dbname="postgres")
    sql("SELECT webhook_add_provider('stripe', 'stripe', %s)", [STRIPE_SECRET])
    # registered and enabled, but outside the site's allow-list
    sql("SELECT webhook_add_provider('outsider', 'stripe', %s)", [OUTSIDER_SECRET])
    if outbox_ready():
        grant_functions(OUTBOX_FUNCTIONS, WORKER_ROLE)
        sql("GRANT SELECT ON webhook_outbox, webhook_subscriptions, webhook_outbox_dead,"
            " webhook_outbox_lag TO %s"
            % ADMIN_ROLE)
        sql("ALTER DATABASE %s SET webhook.outbox_max_attempts = %d" % (DBNAME, MAX_ATTEMPTS),
            dbname="postgres")


def django_env(via=None, role=None, **extra):
    """The environment of a Django process: site settings from E2E_*."""
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": os.pathsep.join([os.path.join(REPO, "python"), SITE, E2E]),
        "DJANGO_SETTINGS_MODULE": "e2esite.settings",
        "E2E_DBNAME": DBNAME,
        "E2E_DBHOST": PGHOST,
        "E2E_DBPORT": str(PGPORT),
        "E2E_LOGIN_TOKEN": LOGIN_TOKEN,
        "E2E_STATIC_ROOT": os.path.join(OUT, "static"),
        "PYTHONUNBUFFERED": "1",
    })
    if via is not None:       # pgbouncer: (host, port)
        env["E2E_DBHOST"], env["E2E_DBPORT"] = via[0], str(via[1])
        env["E2E_POOLER"] = "1"
    if role:
        env["E2E_DEFAULT_ROLE"] = role
    env.update({k: str(v) for k, v in extra.items()})
    return env


def manage(*args, env=None, timeout=300, check=True):
    """Run manage.py ARGS; its CompletedProcess."""
    proc = subprocess.run([PYTHON, os.path.join(SITE, "manage.py")] + list(args),
                          env=env or django_env(), cwd=SITE, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError("manage.py %s failed (%d):\n%s" % (" ".join(args), proc.returncode,
                                                            proc.stdout[-4000:]))
    return proc


def setup_django():
    manage("migrate", "--noinput", env=django_env(role=ADMIN_ROLE))
    manage("collectstatic", "--noinput", env=django_env(role=ADMIN_ROLE))
    manage("createsuperuser", "--noinput", "--username", ADMIN_USER, "--email",
           "admin@example.com", env=django_env(role=ADMIN_ROLE,
                                               DJANGO_SUPERUSER_PASSWORD=ADMIN_PASSWORD))


# --- servers ---------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30, proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def pid_alive(pid, name=None):
    try:
        with open("/proc/%d/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                return False
        if name:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                return name.encode() in f.read()
        return True
    except (OSError, IndexError):
        return False


class Server:
    """One process we start and stop by its pid.  PIDFILE: a file the
    program writes its own pid to (pgbouncer under runuser), stopped
    first."""

    registry = {}

    def __init__(self, name, argv, env=None, cwd=None, pidfile=None, port=None):
        self.name, self.argv, self.env, self.cwd = name, argv, env, cwd
        self.pidfile, self.port = pidfile, port
        self.logpath = os.path.join(OUT, name + ".log")
        self.proc = None

    def start(self, wait=True, timeout=30):
        self.stop()
        logf = open(self.logpath, "ab")
        logf.write(("\n--- %s: %s\n" % (time.strftime("%H:%M:%S"), " ".join(self.argv))).encode())
        logf.flush()
        self.proc = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, stdout=logf,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        logf.close()
        with open(os.path.join(PIDS, self.name + ".pid"), "w") as f:
            f.write("%d %s\n" % (self.proc.pid, os.path.basename(self.argv[0])))
        Server.registry[self.name] = self
        if wait and self.port and not wait_port(self.port, timeout, self.proc):
            raise RuntimeError("%s did not listen on 127.0.0.1:%d; log %s:\n%s" % (
                self.name, self.port, self.logpath, self.tail()))
        return self

    def tail(self, n=3000):
        try:
            with open(self.logpath, errors="replace") as f:
                return f.read()[-n:]
        except OSError:
            return ""

    def this_run(self):
        """The log since this server was last started."""
        text = self.tail(10 ** 8)
        i = text.rfind("\n--- ")
        return text[i:] if i >= 0 else text

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        """SIGKILL, as a crash would: no cleanup of any kind."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self, timeout=15):
        if self.pidfile:
            # the program under runuser first: runuser then reaps it and exits
            try:
                with open(self.pidfile) as f:
                    inner = int(f.read().split()[0])
                if pid_alive(inner):
                    os.kill(inner, signal.SIGTERM)
                    if self.proc is not None:
                        self.proc.wait(timeout)
            except (OSError, ValueError, IndexError, subprocess.TimeoutExpired):
                pass
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
            except ProcessLookupError:
                pass
        try:
            os.unlink(os.path.join(PIDS, self.name + ".pid"))
        except OSError:
            pass
        Server.registry.pop(self.name, None)


def stop_all():
    for server in list(Server.registry.values()):
        try:
            server.stop()
        except Exception as e:  # keep stopping the others
            log("stopping %s: %s" % (server.name, e))


atexit.register(stop_all)


def gunicorn(name, env, port=None):
    port = port or free_port()
    argv = ["/usr/bin/gunicorn", "--config", os.path.join(E2E, "gunicorn.conf.py"),
            "--bind", "127.0.0.1:%d" % port, "e2esite.wsgi:application"]
    return Server(name, argv, env=env, cwd=SITE, port=port).start()


def worker(name, consumer, env, *extra):
    argv = [PYTHON, os.path.join(SITE, "manage.py"), "pgwebhook_worker",
            "--consumer", consumer] + list(extra)
    return Server(name, argv, env=env, cwd=SITE).start(wait=False)


def as_postgres_dir(path):
    """A directory the postgres user can write (pgbouncer runs as it)."""
    os.makedirs(path, exist_ok=True)
    subprocess.run(["chown", "postgres:postgres", path], check=False)
    os.chmod(path, 0o755)
    return path


def pgbouncer(dbname=DBNAME, port=None):
    """pgbouncer in transaction mode on 127.0.0.1:PORT in front of the
    cluster's socket, run as postgres; trust auth for the e2e roles."""
    port = port or free_port()
    d = as_postgres_dir(os.path.join(OUT, "pgbouncer"))
    users = os.path.join(d, "userlist.txt")
    with open(users, "w") as f:
        for role in ROLES + ("postgres",):
            f.write('"%s" ""\n' % role)
    with open(os.path.join(E2E, "pgbouncer.ini.in")) as f:
        ini = f.read()
    for k, v in {"DBNAME": dbname, "PGHOST": PGHOST, "PGPORT": PGPORT, "PORT": port,
                 "DIR": d}.items():
        ini = ini.replace("@%s@" % k, str(v))
    path = os.path.join(d, "pgbouncer.ini")
    with open(path, "w") as f:
        f.write(ini)
    argv = ["/usr/sbin/pgbouncer", path]
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--"] + argv
    return Server("pgbouncer", argv, pidfile=os.path.join(d, "pgbouncer.pid"), port=port).start()


EXPORTER_BIN = "/usr/bin/prometheus-postgres-exporter"
QUERIES = os.path.join(REPO, "contrib", "prometheus", "queries.yaml")


def exporter(name, dbname, user="postgres", port=None, default_metrics=False):
    port = port or free_port()
    env = dict(os.environ)
    env["DATA_SOURCE_NAME"] = "host=%s port=%d user=%s dbname=%s sslmode=disable" % (
        PGHOST, PGPORT, user, dbname)
    argv = [EXPORTER_BIN, "--extend.query-path=" + QUERIES,
            "--web.listen-address=127.0.0.1:%d" % port, "--log.level=warn"]
    if not default_metrics:
        # only the queries of queries.yaml (and the exporter's own series)
        argv += ["--disable-default-metrics", "--disable-settings-metrics",
                 "--no-collector.database", "--no-collector.bgwriter"]
    return Server(name, argv, env=env, port=port).start()


# --- HTTP ------------------------------------------------------------------

def request(port, method, path, body=None, headers=None, timeout=60):
    """(status, parsed JSON or text, headers) of one request."""
    conn = httplib.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        try:
            payload = json.loads(data)
        except ValueError:
            payload = data.decode("utf-8", "replace")
        return resp.status, payload, dict(resp.getheaders())
    finally:
        conn.close()


def raw_request(port, data, timeout=30):
    """Send DATA as it is on a socket of our own; the status of the reply
    (None when the server closed without answering).  The server may answer
    and close before reading it all (a body too large), which http.client
    takes badly: a send cut short still reads the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        reply = b""
        try:
            while b"\r\n" not in reply:
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    try:
        return int(reply.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def stripe_body(evt_id, pi, reference, amount_minor, currency="eur",
                kind="payment_intent.succeeded"):
    return json.dumps({
        "id": evt_id, "object": "event", "type": kind, "created": int(time.time()),
        "data": {"object": {"id": pi, "object": "payment_intent", "amount": amount_minor,
                            "amount_received": amount_minor, "currency": currency,
                            "metadata": {"reference": reference}}}},
        separators=(",", ":")).encode()


def stripe_sign(body, secret=STRIPE_SECRET):
    return value("SELECT webhook_sign_stripe(%s::bytea, %s)", [psycopg2.Binary(body), secret])


def post_stripe(port, body, provider="stripe", secret=STRIPE_SECRET, signature=None):
    sig = signature if signature is not None else stripe_sign(body, secret)
    return request(port, "POST", "/hooks/%s/" % provider, body,
                {"Content-Type": "application/json", "Stripe-Signature": sig})


def add_payments(prefix, n, amount="12.50", currency="EUR"):
    """N orders and their Stripe payments, refs PREFIX-1..N; [(reference, pi, minor)]."""
    sql("""INSERT INTO webhook_orders (ref, total, currency)
           SELECT %s || '-O' || i, %s::numeric, %s FROM generate_series(1, %s) i""",
        [prefix, amount, currency, n])
    sql("""INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency)
           SELECT 'stripe', %s || '-' || i, 'pi_' || %s || '_' || i, %s || '-O' || i, %s::numeric, %s
             FROM generate_series(1, %s) i""", [prefix, prefix, prefix, amount, currency, n])
    minor = int(round(float(amount) * 100))
    return [("%s-%d" % (prefix, i), "pi_%s_%d" % (prefix, i), minor) for i in range(1, n + 1)]


def wait_for(predicate, timeout=60, interval=0.25):
    deadline = time.time() + timeout
    while True:
        result = predicate()
        if result or time.time() > deadline:
            return result
        time.sleep(interval)


def get(obj, name, default=None):
    """A field of a message, whether the package hands out dicts or objects."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


if __name__ == "__main__":
    print(REPO, PGHOST, PGPORT, file=sys.stderr)


# --- shared servers: started on first use, stopped at the end --------------

_shared = {}


def site():
    """gunicorn (2 workers) serving the site straight on the cluster's socket."""
    if "site" not in _shared or not _shared["site"].alive():
        _shared["site"] = gunicorn("gunicorn", django_env(role=ADMIN_ROLE))
    return _shared["site"]


def bouncer():
    if "bouncer" not in _shared or not _shared["bouncer"].alive():
        _shared["bouncer"] = pgbouncer()
    return _shared["bouncer"]


def pooled_site():
    """A second gunicorn whose connections all go through pgbouncer."""
    if "pooled" not in _shared or not _shared["pooled"].alive():
        _shared["pooled"] = gunicorn("gunicorn-pgbouncer",
                                     django_env(via=("127.0.0.1", bouncer().port), role=ADMIN_ROLE))
    return _shared["pooled"]


def delivery_count(where="true", params=None):
    return value("SELECT count(*) FROM webhook_deliveries WHERE " + where, params)
