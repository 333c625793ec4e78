// Exit 0 when the Docker Engine named by DOCKER_HOST (or the default socket) answers /_ping.
// Prints the failure reason otherwise. Usage: node docker-ping.js [timeoutMs]
'use strict';
const http = require('node:http');

const timeoutMs = Number(process.argv[2] || 2000);
const host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
const request = { path: '/_ping', method: 'GET', timeout: timeoutMs };
if (host.startsWith('unix://')) {
  request.socketPath = host.slice('unix://'.length);
} else if (host.startsWith('tcp://')) {
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  request.host = url.hostname;
  request.port = url.port || 2375;
} else {
  console.error(`unsupported DOCKER_HOST ${host}`);
  process.exit(2);
}
const req = http.request(request, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
req.on('error', (error) => {
  console.error(`${request.socketPath || host}: ${error.code || ''} ${error.message}`.trim());
  process.exit(1);
});
req.end();
