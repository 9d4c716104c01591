#!/usr/bin/env python3
"""ClickHouse's HTTP interface, in the part matomo-sync uses, over chDB: the current ClickHouse engine
as a library (PyPI's chdb-core). Debian ships only ClickHouse 18.16, and no registry this project can
reach ships a recent clickhouse-server, so scripts/test-recent-clickhouse.sh runs the same test cases
through this front door to the recent engine: every statement, its parsing, types, FINAL, mutations
and error codes are the engine's own. What is emulated, and so not tested by it: authentication and
`readonly=2` (a statement whose AST is not a read is refused the way the server refuses it), and
concurrency (statements run one at a time).

Usage: chdb-http.py PORT DATA_DIR USER PASSWORD   (binds 127.0.0.1 only)
"""
import base64
import re
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from chdb import session

PORT, DATA, USER, PASSWORD = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
SESSION = session.Session(DATA)
LOCK = threading.Lock()
# Root AST nodes of statements a `readonly=2` server accepts.
READS = ("SelectWithUnionQuery", "SelectQuery", "ShowTablesQuery", "DescribeQuery", "ExistsQuery",
         "ShowCreateTableQuery", "ExplainQuery", "ShowProcesslistQuery")


def run(sql, database, readonly):
    """Runs one statement; returns (status, body bytes)."""
    with LOCK:
        try:
            if database is not None:
                SESSION.query("USE `%s`" % database.replace("\\", "\\\\").replace("`", "\\`"))
            if readonly:
                # The first node of the AST names the statement (a trailing FORMAT may dress the output).
                ast = SESSION.query("EXPLAIN AST " + sql, "TabSeparatedRaw").bytes().decode()
                found = re.search(r"\b(\w+Query)\b", ast)
                root = found.group(1) if found else ""
                if root not in READS:
                    return 500, b"Code: 164. DB::Exception: %s: Cannot execute query in readonly mode. (READONLY)\n" % USER.encode()
            return 200, SESSION.query(sql, "TabSeparated").bytes()
        except Exception as error:  # the engine's own message: "Code: 60. DB::Exception: ..."
            text = str(error).strip()
            status = 404 if "(UNKNOWN_TABLE)" in text or "(UNKNOWN_DATABASE)" in text else 500
            return status, (text + "\n").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        params = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8")
        auth = self.headers.get("Authorization", "")
        user, _, password = base64.b64decode(auth[6:]).decode().partition(":") if auth.startswith("Basic ") else ("", "", "")
        if (user, password) != (USER, PASSWORD):
            status, answer = 401, b"Code: 516. DB::Exception: %s: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)\n" % user.encode()
        else:
            status, answer = run(body, params.get("database", [None])[0], params.get("readonly", ["0"])[0] != "0")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=UTF-8")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def do_GET(self):  # readiness probe: "Ok." like the server's /ping
        answer = b"Ok.\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


version = SESSION.query("SELECT version()", "TabSeparated").bytes().decode().strip()
print("chdb-http: ClickHouse %s on 127.0.0.1:%d" % (version, PORT), file=sys.stderr, flush=True)
ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
