# A discarding HTTP sink for bench/upload_memory.rs: reads one POST body (Content-Length
# or chunked) in 1 MiB pieces, answers like POST /assets, prints its port first.
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        n = 0
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline(); break
                left = size
                while left:
                    got = len(self.rfile.read(min(left, 1 << 20))); left -= got; n += got
                self.rfile.readline()
        else:
            left = int(self.headers.get("Content-Length", "0"))
            while left:
                got = len(self.rfile.read(min(left, 1 << 20))); left -= got; n += got
        body = json.dumps({"_id": "a" * 24, "method": "direct", "status": "processing", "filename": "big.mp4",
                           "file_type": "video/mp4", "created_at": "2026-11-29T00:00:00Z"}).encode()
        self.send_response(201); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
        sys.stderr.write(f"received {n} body bytes\n")
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.handle_request()
