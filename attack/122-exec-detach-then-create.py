#!/usr/bin/env python3
"""attack5/122: on one keep-alive connection to the session socket: an exec create, an exec start
with Detach true (dockerd answers a plain 200 and the connection stays HTTP, no hijack), then a
container create pipelined right behind it in the same write, and one more after the answers.
Both creates must carry the session label. argv: socket, engine socket, a running container's ID."""
import json, socket, sys, time
SOCK, ENGINE, CTR = sys.argv[1:4]
def req(method, path, body=None, extra=b''):
    b = json.dumps(body).encode() if body is not None else b''
    return (method + ' ' + path + ' HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: ' + str(len(b)) + '\r\n').encode() + extra + b'\r\n' + b
s = socket.socket(socket.AF_UNIX); s.connect(SOCK); s.settimeout(3)
s.sendall(req('POST', '/v1.41/containers/' + CTR + '/exec', {"Cmd": ["sleep", "5"]}))
ans = s.recv(65536)
exec_id = json.loads(ans.split(b'\r\n\r\n', 1)[1])['Id']
for upgrade in (b'', b'Connection: Upgrade\r\nUpgrade: tcp\r\n'):
    s.sendall(req('POST', '/v1.41/exec/' + exec_id + '/start', {"Detach": True}, upgrade) + req('POST', '/v1.41/containers/create?name=a5x-' + ('u' if upgrade else 'p'), {"Image": "attack3-bb", "Cmd": ["true"]}))
    out = b''
    try:
        while out.count(b'HTTP/1.1') < 2:
            c = s.recv(65536)
            if not c: break
            out += c
    except socket.timeout:
        pass
    print('upgrade header' if upgrade else 'plain', '->', [l.decode() for l in out.split(b'\r\n') if l.startswith(b'HTTP/')])
    if not upgrade:
        s.sendall(req('POST', '/v1.41/exec', {}) if False else b'')
s.close()
time.sleep(0.5)
e = socket.socket(socket.AF_UNIX); e.connect(ENGINE); e.sendall(b'GET /containers/json?all=1 HTTP/1.0\r\n\r\n')
data = b''
while True:
    c = e.recv(65536)
    if not c: break
    data += c
for c in json.loads(data.split(b'\r\n\r\n', 1)[1]):
    if any(n.startswith('/a5x-') for n in c['Names']):
        print(c['Names'], 'session label:', (c.get('Labels') or {}).get('docker-janitor.session', 'NONE'))
