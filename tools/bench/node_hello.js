// The baseline for tools/bench/http: Node.js's own http server answering the
// same body as cloudkeep's GET /health. Prints its URL once listening.
'use strict';
const http = require('http');
const body = '{"status":"ok"}';
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  console.log(`http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
