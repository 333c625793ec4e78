// Two small jobs for the gVisor set-up, without node_modules or the docker CLI:
//   node docker-runtimes.js list                      prints the engine's runtimes, one per line
//   node docker-runtimes.js register FILE NAME PATH   adds NAME (binary PATH, --network=none) to
//                                                      the "runtimes" of daemon.json FILE, keeping
//                                                      everything else in it; creates it if absent
'use strict';
const fs = require('node:fs');
const http = require('node:http');

function list() {
  const host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  const request = { path: '/info', method: 'GET', timeout: 5000 };
  if (host.startsWith('unix://')) {
    request.socketPath = host.slice('unix://'.length);
  } else {
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    request.host = url.hostname;
    request.port = url.port || 2375;
  }
  const req = http.request(request, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => (body += chunk));
    res.on('end', () => {
      if (res.statusCode !== 200) {
        console.error(`GET /info answered ${res.statusCode}`);
        process.exit(1);
      }
      for (const name of Object.keys(JSON.parse(body).Runtimes || {})) console.log(name);
    });
  });
  req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
  req.on('error', (error) => {
    console.error(error.message);
    process.exit(1);
  });
  req.end();
}

function register(file, name, binary) {
  let config = {};
  if (fs.existsSync(file)) {
    const text = fs.readFileSync(file, 'utf8');
    try {
      config = text.trim() === '' ? {} : JSON.parse(text);
    } catch (error) {
      console.error(`${file} is not valid JSON (${error.message}); fix it first`);
      process.exit(1);
    }
  }
  // render containers have no network; this runsc refuses --network none without it.
  config.runtimes = {
    ...(config.runtimes || {}),
    [name]: { path: binary, runtimeArgs: ['--network=none'] },
  };
  fs.mkdirSync(require('node:path').dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`);
  fs.renameSync(temporary, file);
}

const [command, ...args] = process.argv.slice(2);
if (command === 'list') list();
else if (command === 'register' && args.length === 3) register(args[0], args[1], args[2]);
else {
  console.error('usage: docker-runtimes.js list | register FILE NAME PATH');
  process.exit(2);
}
