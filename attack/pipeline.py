# Sends a slow request and a container create pipelined on one connection to the session
# socket, then keeps the connection open and prints what comes back.
#   python3 pipeline.py SOCKET SLOW_CONTAINER IMAGE HOLD_SECONDS
import socket, sys, time, json
path, slow, image, hold = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
body = json.dumps({"Image": image, "Cmd": ["sleep", "300"], "Labels": {"a3": "pipelined"}}).encode()
stop = f"POST /v1.41/containers/{slow}/stop?t=3 HTTP/1.1\r\nHost: d\r\n\r\n".encode()
create = (f"POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
s = socket.socket(socket.AF_UNIX)
s.connect(path)
t0 = time.time()
s.sendall(stop + create)
s.settimeout(0.2)
got = b''
while time.time() - t0 < hold:
    try:
        d = s.recv(65536)
        if not d:
            print(f"{time.time()-t0:.2f}s: connection closed by the socket", flush=True); break
        got += d
        for line in d.split(b'\r\n'):
            if line.startswith(b'HTTP/1.1'):
                print(f"{time.time()-t0:.2f}s: {line.decode()}", flush=True)
    except socket.timeout:
        pass
