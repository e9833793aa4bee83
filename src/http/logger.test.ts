import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { duplicateKeys } from '../../test/support/duplicate-keys.js';
import { createLogger } from './logger.js';
import { createProcessLogger } from './process-logger.js';

function sink(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

describe('duplicateKeys', () => {
  it('finds keys an object holds twice, at any depth, and nothing else', () => {
    expect(duplicateKeys('{"a":1,"b":"a","c":{"a":2}}')).toEqual([]);
    expect(duplicateKeys('{"service":"gitgate","service":"git-upload-pack"}')).toEqual(['service']);
    expect(duplicateKeys('{"a":{"b":1,"b":2},"c":[{"d":1,"d":1}],"e":"\\"e\\":"}')).toEqual(['a.b', 'c.[].d']);
  });

  it('sees what pino writes when a call repeats a binding', () => {
    const { stream, lines } = sink();
    pino({ base: { service: 'gitgate' } }, stream).child({ requestId: 'r1' }).info({ service: 'git-upload-pack', requestId: 'r1' }, 'x');
    expect(duplicateKeys(lines[0]!)).toEqual(['service', 'requestId']);
  });
});

describe('createLogger', () => {
  it('never writes a key twice: a call field that repeats one of the line is renamed', () => {
    const { stream, lines } = sink();
    const logger = createLogger('debug', stream);
    logger.info({ service: 'git-upload-pack', level: 'high', time: 3, msg: 'field' }, 'message');
    const child = logger.child({ requestId: 'r1' }).child({ sshConnectionId: 'c1' });
    child.error({ requestId: 'r2', sshConnectionId: 'c2', _requestId: 'taken', err: new Error('boom') }, 'failed');
    child.warn('plain');
    for (const line of lines) expect(duplicateKeys(line), line).toEqual([]);
    const [first, second, third] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({ service: 'gitgate', _service: 'git-upload-pack', level: 30, _level: 'high', _time: 3, msg: 'message', _msg: 'field' });
    expect(second).toMatchObject({ requestId: 'r1', __requestId: 'r2', _requestId: 'taken', sshConnectionId: 'c1', _sshConnectionId: 'c2', msg: 'failed' });
    expect((second!.err as { message: string }).message).toBe('boom');
    expect(third).toMatchObject({ requestId: 'r1', sshConnectionId: 'c1', msg: 'plain' });
  });

  it('still redacts secrets', () => {
    const { stream, lines } = sink();
    createLogger('info', stream).child({ requestId: 'r1' }).info({ token: 'glpat-secret', nested: { password: 'hunter2' } }, 'x');
    expect(lines[0]).not.toMatch(/glpat-secret|hunter2/);
  });
});

describe('createProcessLogger', () => {
  it.each([
    ['json', false, 'json'],
    ['json', true, 'json'],
    ['auto', false, 'json'],
    ['auto', true, 'pretty'],
    ['pretty', false, 'pretty'],
  ] as const)('GITGATE_LOG_FORMAT=%s on a terminal: %s → %s', (format, isTTY, expected) => {
    const { stream, lines } = sink();
    const made = createProcessLogger({ level: 'info', format }, { isTTY, stream });
    made.logger.child({ requestId: 'r1' }).warn({ gitService: 'git-upload-pack' }, 'hello');
    expect(made.format).toBe(expected);
    const text = lines.join('\n').replace(/\x1b\[[0-9;]*m/g, '');
    if (expected === 'json') {
      expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, requestId: 'r1', gitService: 'git-upload-pack', msg: 'hello' });
    } else {
      expect(() => JSON.parse(lines[0]!)).toThrow();
      expect(text).toMatch(/WARN.*hello/);
      expect(text).toContain('requestId: "r1"');
    }
  });
});
