// PM2 stops an app with SIGINT and sends SIGKILL kill_timeout ms later (1600 by default, which
// cuts an 8 s budget short): raise it above the budget. wait_ready: a reload waits for start().
module.exports = {
  apps: [{ name: 'api', script: 'dist/services/pm2.js', kill_timeout: 10_000, wait_ready: true, listen_timeout: 10_000 }],
};
