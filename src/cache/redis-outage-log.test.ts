import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RedisOutageLog } from './redis-outage-log.js';

function capture(): { log: RedisOutageLog; lines: () => Array<{ level: number; msg: string }> } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const log = new RedisOutageLog(pino({ level: 'debug' }, sink));
  log.register('command');
  log.register('subscriber');
  return { log, lines: () => lines.map((l) => JSON.parse(l) as { level: number; msg: string }) };
}

describe('RedisOutageLog', () => {
  it('logs connected once every connection is ready, one warning per outage, and one line when it is over', () => {
    const { log, lines } = capture();
    log.ready('command');
    expect(lines()).toEqual([]);
    log.ready('subscriber');
    // 'close' before 'error', both connections, and every reconnect attempt: one warning.
    for (let attempt = 0; attempt < 5; attempt++) {
      log.down('command');
      log.down('command', 'connect ECONNREFUSED');
      log.down('subscriber', 'connect ECONNREFUSED');
    }
    log.ready('command');
    log.ready('subscriber');
    log.down('subscriber', 'read ECONNRESET');
    log.ready('subscriber');
    expect(lines().map((l) => [l.level, l.msg])).toEqual([
      [30, 'redis connected'],
      [40, 'redis unavailable; authenticating from the database'],
      [30, 'redis available again; the token cache and bans are shared again'],
      [40, 'redis unavailable; authenticating from the database'],
      [30, 'redis available again; the token cache and bans are shared again'],
    ]);
  });

  it('warns once when Redis is unreachable at start, and nothing after stop', () => {
    const { log, lines } = capture();
    log.down('command', 'connect ECONNREFUSED');
    log.down('subscriber', 'connect ECONNREFUSED');
    log.down('command');
    log.ready('command');
    log.ready('subscriber');
    log.stop();
    log.down('command');
    expect(lines().map((l) => [l.level, l.msg])).toEqual([
      [40, 'redis unreachable at start; authenticating from the database until it answers'],
      [30, 'redis available again; the token cache and bans are shared again'],
    ]);
  });
});
