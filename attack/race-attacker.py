# uid 65534's side of 30-state-root-mkdir-race.sh: mkdir/rmdir the directory named in TOP/cur
# in a tight loop, so that it is absent when the victim checks and present when it creates.
import os, sys, time
top = sys.argv[1]
end = time.time() + 60
while time.time() < end and not os.path.exists(f'{top}/stop'):
    try:
        name = open(f'{top}/cur').read().strip()
    except OSError:
        continue
    if not name:
        continue
    d = f'{top}/{name}'
    for _ in range(200):
        try:
            os.mkdir(d, 0o777); os.chmod(d, 0o777)
        except OSError:
            pass
        try:
            os.rmdir(d)
        except OSError:
            pass
