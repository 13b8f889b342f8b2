/// A stand-in `vmigd` in Python for running `vmig demo` end to end before the migration engine exists.
///
/// It takes the demo's options, serves QMP on the `--qmp` socket (one thread per client) and plays a
/// migration: the source's `migrate` runs for 0.8 s with RAM and device progress, then completes and drops
/// a marker next to the migration socket; the destination, listening since `migrate-incoming`, finishes when
/// it sees the marker (paused or running by its autostart). Both report the same digests; `quit` exits.
enum FakeVmigdScript {
    static let source = #"""
        #!/usr/bin/env python3
        import json, os, socket, sys, threading, time

        args = sys.argv[1:]
        def option(name, default=None):
            return args[args.index(name) + 1] if name in args else default

        path = option('--qmp')[len('unix:'):]
        devices = []
        for index, arg in enumerate(args):
            if arg == '--device':
                props = dict(p.split('=', 1) for p in args[index + 1].split(',')[1:])
                devices.append((props['id'], int(props['x-state-size'].rstrip('M')) << 20))
        lock = threading.Lock()
        vm = {'status': 'inmigrate' if option('--incoming') else 'running', 'autostart': True,
              'started': None, 'marker': None}

        def progress():
            if vm['started'] is None:
                return None
            return min(1.0, (time.monotonic() - vm['started']) / 0.8)

        def incoming_done():
            if vm['status'] == 'inmigrate' and vm['marker'] and os.path.exists(vm['marker']):
                vm['status'] = 'running' if vm['autostart'] else 'paused'

        def query_migrate():
            done = progress()
            if done is None:
                return {}
            total = 64 << 20
            info = {'status': 'completed' if done >= 1 else 'active', 'total-time': int(done * 800), 'setup-time': 2,
                    'ram': {'transferred': int(total * done), 'remaining': int(total * (1 - done)), 'total': total,
                            'duplicate': 0, 'normal': 0, 'normal-bytes': 0, 'dirty-pages-rate': 0, 'mbps': 640.0,
                            'dirty-sync-count': 2, 'postcopy-requests': 0, 'page-size': 4096,
                            'multifd-bytes': int(total * done), 'pages-per-second': 0, 'precopy-bytes': 0,
                            'downtime-bytes': 0, 'postcopy-bytes': 0, 'dirty-sync-missed-zero-copy': 0},
                    'vfio': {'transferred': int(sum(size for _, size in devices) * done)}}
            if done >= 1:
                info['downtime'] = 25
                if vm['status'] == 'running':
                    vm['status'] = 'postmigrate'
                    open(vm['marker'], 'w').close()
            return info

        def vfio():
            done = progress() or 0.0
            finished = done >= 1
            return [{'id': name, 'qom-path': '/machine/peripheral/' + name,
                     'device-state': 'stop' if finished else 'stop-copy', 'mode': 'multifd',
                     'phase': 'completed' if finished else 'stop-copy', 'read-bytes': int(stream * done),
                     'sent-bytes': int(stream * done), 'received-bytes': 0, 'queued-bytes': 0, 'loaded-bytes': 0,
                     'queued-buffers': 0, 'state-size': size, 'stream-size': stream}
                    for name, size, stream in ((name, size, size + size // 4096 * 24) for name, size in devices)]

        def execute(command, arguments):
            incoming_done()
            if command == 'query-status':
                return {'running': vm['status'] == 'running', 'status': vm['status']}
            if command in ('stop', 'cont'):
                if vm['status'] == 'inmigrate':
                    vm['autostart'] = command == 'cont'
                else:
                    vm['status'] = 'paused' if command == 'stop' else 'running'
                return {}
            if command == 'migrate-incoming':
                vm['marker'] = arguments['uri'][len('unix:'):] + '.done'
                return {}
            if command == 'migrate':
                vm['started'] = time.monotonic()
                vm['marker'] = arguments['uri'][len('unix:'):] + '.done'
                return {}
            if command == 'query-migrate':
                return query_migrate()
            if command == 'x-query-vfio-migration':
                return vfio()
            if command == 'x-query-digest':
                return {'ram': '0123456789abcdef0123', 'devices': [{'id': name, 'digest': name * 4} for name, _ in devices]}
            if command in ('migrate-set-capabilities', 'migrate-set-parameters', 'quit'):
                return {}
            raise KeyError(command)

        def serve(connection):
            connection.sendall(b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 0, "major": 10}, "package": ""}, "capabilities": []}}\r\n')
            for line in connection.makefile('r'):
                request = json.loads(line)
                command = request['execute']
                try:
                    with lock:
                        reply = {'return': {} if command == 'qmp_capabilities' else execute(command, request.get('arguments', {}))}
                except KeyError:
                    reply = {'error': {'class': 'CommandNotFound', 'desc': 'The command %s has not been found' % command}}
                reply['id'] = request.get('id')
                connection.sendall((json.dumps(reply) + '\r\n').encode())
                if command == 'quit':
                    os.unlink(path)
                    os._exit(0)

        listener = socket.socket(socket.AF_UNIX)
        listener.bind(path)
        listener.listen(8)
        while True:
            client, _ = listener.accept()
            threading.Thread(target=serve, args=(client,), daemon=True).start()
        """#
}
