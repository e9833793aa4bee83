import { describe, expect, it } from 'vitest';
import { encodePktLine, FLUSH_PKT } from './pkt-line.js';
import { reportStatusRewriter } from './report-status-rewriter.js';

const reasons = new Map([['refs/heads/main', 'this token may push only to refs/heads/bot/*']]);
const report = Buffer.concat([
  encodePktLine('unpack ok\n'),
  encodePktLine('ng refs/heads/main pre-receive hook declined\n'),
  encodePktLine('ng refs/heads/other pre-receive hook declined\n'),
  FLUSH_PKT,
]);
const band = (n: number, data: Buffer | string) => encodePktLine(Buffer.concat([Buffer.of(n), Buffer.from(data)]));

/** Runs `chunks` through a rewriter and returns its whole output. */
async function run(chunks: Buffer[]): Promise<Buffer> {
  const t = reportStatusRewriter(() => reasons);
  const out: Buffer[] = [];
  t.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((resolve) => t.on('end', resolve));
  for (const c of chunks) t.write(c);
  t.end();
  await done;
  return Buffer.concat(out);
}

/** The report lines inside `out`, unwrapping side-band 1. */
function reportLines(out: Buffer): string[] {
  const lines: string[] = [];
  let inner = Buffer.alloc(0);
  for (let at = 0; at < out.length; ) {
    const size = Math.max(parseInt(out.toString('ascii', at, at + 4), 16), 4);
    const payload = out.subarray(at + 4, at + size);
    at += size;
    if (payload[0] === 1) inner = Buffer.concat([inner, payload.subarray(1)]);
    else if (payload.length > 0 && payload[0] !== 2) lines.push(payload.toString());
  }
  for (let at = 0; at < inner.length; ) {
    const size = Math.max(parseInt(inner.toString('ascii', at, at + 4), 16), 4);
    if (size > 4) lines.push(inner.toString('utf8', at + 4, at + size));
    at += size;
  }
  return lines;
}

describe('reportStatusRewriter', () => {
  it('puts the reasons into a bare report', async () => {
    expect(reportLines(await run([report]))).toEqual([
      'unpack ok\n',
      'ng refs/heads/main this token may push only to refs/heads/bot/*\n',
      'ng refs/heads/other pre-receive hook declined\n',
    ]);
  });

  it('inside side-band 1, split anywhere across packets and chunks, progress untouched', async () => {
    const wire = Buffer.concat([band(2, 'remote: gitgate: refused\n'), band(1, report.subarray(0, 20)), band(1, report.subarray(20)), FLUSH_PKT]);
    for (const cut of [1, 7, 33, wire.length - 3]) {
      const out = await run([wire.subarray(0, cut), wire.subarray(cut)]);
      expect(reportLines(out)).toContain('ng refs/heads/main this token may push only to refs/heads/bot/*\n');
      expect(out.toString()).toContain('remote: gitgate: refused');
      expect(out.subarray(-4).toString()).toBe('0000');
    }
  });

  it('passes an advertisement and anything unframed through unchanged', async () => {
    const advert = Buffer.concat([encodePktLine(`${'a'.repeat(40)} refs/heads/main\0report-status side-band-64k\n`), FLUSH_PKT]);
    expect(await run([advert])).toEqual(advert);
    const garbage = Buffer.from('not a pkt-line at all');
    expect(await run([advert, garbage, report])).toEqual(Buffer.concat([advert, garbage, report]));
  });
});
