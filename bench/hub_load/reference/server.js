// The yardstick for bench/hub_load: the smallest server that speaks the hub frames
// hub_load uses (hello -> welcome + history, message -> echo to the writer's sockets
// + the bot's answer with reply_to, ping -> pong), on the npm `ws` package. Its "bot"
// answers every direct message with "pong" at once: no store, no history file.
//   node server.js PORT        (0 picks a free port; prints "listening on http://127.0.0.1:PORT/")
'use strict';
const { WebSocketServer } = require('ws');

const bot = 'twintrack';
const channels = ['general', 'marketing', 'sales', 'joint'];
const sockets = new Map(); // user -> Set of sockets
let next = 0;
const newId = () => 'ref-' + ++next;

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2] || 0), path: '/ws' });
wss.on('listening', () => console.log(`listening on http://127.0.0.1:${wss.address().port}/`));
wss.on('connection', (ws) => {
  let user = null;
  const send = (frame) => ws.send(JSON.stringify(frame));
  ws.on('close', () => user && sockets.get(user).delete(ws));
  ws.on('message', (data) => {
    let f;
    try { f = JSON.parse(data); } catch { return send({ type: 'error', code: 'bad_request', message: 'malformed JSON' }); }
    if (f.type === 'ping') return send({ type: 'pong' });
    if (f.type === 'hello') {
      user = f.user;
      if (!sockets.has(user)) sockets.set(user, new Set());
      sockets.get(user).add(ws);
      send({ type: 'welcome', user, bot, channels });
      for (const channel of [...channels, '@' + bot]) send({ type: 'history', channel, messages: [] });
      return;
    }
    if (f.type !== 'message') return send({ type: 'error', code: 'unknown_type', message: 'unknown frame type' });
    if (!user) return send({ type: 'error', code: 'not_authenticated', message: 'say hello first', client_id: f.id });
    const mine = sockets.get(user);
    const echo = JSON.stringify({ type: 'message', channel: f.channel, user, text: f.text, id: newId(), ts: Date.now(), client_id: f.id });
    for (const s of mine) s.send(echo);
    const reply = JSON.stringify({ type: 'message', channel: f.channel, user: bot, text: 'pong', id: newId(), ts: Date.now(), reply_to: f.id });
    for (const s of mine) s.send(reply);
  });
});
process.on('SIGTERM', () => process.exit(0));
