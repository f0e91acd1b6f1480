"""A static HTTP server with what object storage clients rely on: byte ranges (`bytes=a-b`,
`bytes=a-`, `bytes=-n`), HEAD, ETag and Last-Modified, and If-Match (412 when the file
changed). npio's remote tests read fixtures through it.

    python3 .ci/range_server.py ROOT PORT_FILE

serves ROOT on 127.0.0.1 on a free port, written to PORT_FILE once it listens.
"""

import email.utils
import http.server
import os
import re
import sys

ROOT = os.path.realpath(sys.argv[1])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle's algorithm and the
    # client's delayed ACK add 40 ms to every response, as no real server does.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def _file(self):
        path = os.path.realpath(os.path.join(ROOT, self.path.split("?")[0].lstrip("/")))
        if not path.startswith(ROOT + os.sep) or not os.path.isfile(path):
            self._empty(404)
            return None
        return path

    def _empty(self, status, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _serve(self, with_body):
        path = self._file()
        if path is None:
            return
        st = os.stat(path)
        size = st.st_size
        etag = f'"{st.st_mtime_ns:x}-{size:x}"'
        meta = [
            ("ETag", etag),
            ("Last-Modified", email.utils.formatdate(st.st_mtime, usegmt=True)),
            ("Accept-Ranges", "bytes"),
        ]
        wanted = self.headers.get("If-Match")
        if wanted is not None and wanted not in ("*", etag):
            self._empty(412, meta)
            return
        start, end, status = 0, size, 200
        spec = self.headers.get("Range")
        if spec is not None:
            m = re.fullmatch(r"bytes=(\d*)-(\d*)", spec.strip())
            if not m or (m[1] == "" and m[2] == ""):
                self._empty(400, meta)
                return
            if m[1] == "":
                start = max(0, size - int(m[2]))
            else:
                start = int(m[1])
                end = size if m[2] == "" else min(size, int(m[2]) + 1)
            if start >= size or start >= end:
                self._empty(416, meta + [("Content-Range", f"bytes */{size}")])
                return
            status = 206
            meta.append(("Content-Range", f"bytes {start}-{end - 1}/{size}"))
        self.send_response(status)
        for k, v in meta:
            self.send_header(k, v)
        self.send_header("Content-Length", str(end - start))
        self.end_headers()
        if with_body:
            with open(path, "rb") as f:
                f.seek(start)
                left = end - start
                while left:
                    chunk = f.read(min(left, 1 << 20))
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    left -= len(chunk)

    def do_GET(self):
        self._serve(True)

    def do_HEAD(self):
        self._serve(False)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
server.serve_forever()
