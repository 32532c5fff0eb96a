// Preloaded into a recipe service by the load tests (node --require), never part of a recipe: it
// writes to fd 3 the id of every request the server has read, so a test can tell a request the
// server read (it must be answered) from one it never read (reset on an idle keep-alive socket).
const { subscribe } = require('node:diagnostics_channel');
const { writeSync } = require('node:fs');

subscribe('http.server.request.start', ({ request }) => {
  const id = request.headers['x-load-id'];
  if (typeof id === 'string') writeSync(3, `${id}\n`);
});
