/**
 * Generators of pkt-line streams (gitprotocol-common(5)) for the fuzz
 * suites: packets of every kind, the upload-pack requests git sends in
 * protocol v0 and v2, and streams that are almost well-formed.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { anyBytes } from './fuzz-arbitraries.js';

/** One packet: a payload, or one of the special packets. */
export type FuzzPacket = Buffer | 'flush' | 'delim' | 'response-end';

const SPECIAL_BYTES = { flush: '0000', delim: '0001', 'response-end': '0002' } as const;

/** The bytes of `packets`, framed independently of the code under test. */
export function frame(packets: readonly (FuzzPacket | string)[]): Buffer {
  return Buffer.concat(
    packets.map((p) => {
      if (p === 'flush' || p === 'delim' || p === 'response-end') return Buffer.from(SPECIAL_BYTES[p], 'latin1');
      const data = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
      return Buffer.concat([Buffer.from((data.length + 4).toString(16).padStart(4, '0'), 'latin1'), data]);
    }),
  );
}

/**
 * A short, comparable description of packets or bytes: small payloads as
 * text, large ones as length and digest, so that a failing property prints
 * (and vitest diffs) a few lines rather than megabytes.
 */
export function describePackets(packets: readonly (FuzzPacket | string)[] | null): string[] | null {
  return packets && packets.map((p) => (typeof p === 'string' ? p : describeBytes(p)));
}

/** `bytes` as JSON text when short, else its length and SHA-256. */
export function describeBytes(bytes: Buffer): string {
  if (bytes.length <= 64) return JSON.stringify(bytes.toString('latin1'));
  return `<${bytes.length} bytes ${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}>`;
}

/** `bytes`, printed by fast-check as describeBytes does. */
export function compact(bytes: Buffer): Buffer {
  return Object.defineProperty(bytes, fc.toStringMethod, { value: () => describeBytes(bytes) });
}

const hex = (n: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
export const oid = hex(40);

/** Any packet: text-like or binary payloads (now and then near the 65516-byte limit) and special packets. */
export const packet: fc.Arbitrary<FuzzPacket> = fc.oneof(
  { arbitrary: anyBytes(200), weight: 6 },
  { arbitrary: fc.constantFrom<FuzzPacket>('flush', 'delim', 'response-end'), weight: 3 },
  { arbitrary: fc.integer({ min: 65_000, max: 65_516 }).map((n) => compact(Buffer.alloc(n, 0x61))), weight: 1 },
);

const lf = fc.boolean().map((b) => (b ? '\n' : ''));
const line = (text: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.tuple(text, lf).map(([t, end]) => t + end);

const capability = fc.constantFrom('agent=git/2.39.5', 'object-format=sha1', 'server-option=x');
const fetchArgument = fc.oneof(
  fc.constantFrom('thin-pack', 'ofs-delta', 'no-progress', 'include-tag', 'sideband-all', 'deepen-relative'),
  oid.map((o) => `shallow ${o}`),
  fc.integer({ min: 1, max: 1000 }).map((n) => `deepen ${n}`),
  fc.constantFrom('filter blob:none', 'filter tree:0', 'deepen-since 1700000000', 'deepen-not refs/heads/x'),
);
const want = fc.oneof({ arbitrary: oid.map((o) => `want ${o}`), weight: 4 }, { arbitrary: fc.constantFrom('want-ref refs/heads/main'), weight: 1 });

/** The packets of a protocol v2 `command=fetch` clone request, as git sends them: wants, no haves, `done`. */
export const v2FreshFetch: fc.Arbitrary<(FuzzPacket | string)[]> = fc
  .tuple(
    line(fc.constant('command=fetch')),
    fc.array(line(capability), { maxLength: 3 }),
    fc.array(line(fetchArgument), { maxLength: 4 }),
    fc.array(line(want), { minLength: 1, maxLength: 5 }),
    fc.array(line(fetchArgument), { maxLength: 3 }),
    line(fc.constant('done')),
  )
  .map(([command, caps, before, wants, after, done]) => [command, ...caps, 'delim', ...before, ...wants, ...after, done, 'flush']);

/** The packets of a protocol v0 stateless-rpc clone request: wants (capabilities on the first), options, a flush, `done`. */
export const v0FreshFetch: fc.Arbitrary<(FuzzPacket | string)[]> = fc
  .tuple(
    oid,
    fc.constantFrom('', ' multi_ack_detailed side-band-64k thin-pack ofs-delta agent=git/2.39.5'),
    fc.array(line(oid.map((o) => `want ${o}`)), { maxLength: 4 }),
    fc.array(line(fetchArgument.filter((a) => /^(shallow|deepen|filter)/.test(a))), { maxLength: 3 }),
    lf,
  )
  .map(([first, caps, wants, options, end]) => [`want ${first}${caps}\n`, ...wants, ...options, 'flush', `done${end}`]);

/** The packets of a protocol v2 `command=ls-refs` request. */
export const v2LsRefs: fc.Arbitrary<(FuzzPacket | string)[]> = fc
  .tuple(
    fc.array(line(capability), { maxLength: 3 }),
    fc.array(line(fc.constantFrom('peel', 'symrefs', 'unborn', 'ref-prefix HEAD', 'ref-prefix refs/heads/', 'ref-prefix refs/tags/')), { maxLength: 5 }),
  )
  .map(([caps, args]) => ['command=ls-refs\n', ...caps, 'delim', ...args, 'flush']);

/**
 * Streams that are almost pkt-lines: valid packets around one bad spot (a
 * header in upper case, of another length, a length too big for git, or
 * bytes that are not hex), or cut short.
 */
export const almostPktLines: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.array(packet, { maxLength: 4 }),
    fc.oneof(
      fc.constantFrom('0003', '000', '00', '0', 'ZZZZ', '-004', '+004', ' 004', '0x04', '000A', '00A0', 'fff1', 'ffff', '0004'),
      hex(4),
      fc.stringMatching(/^[0-9A-F]{4}$/),
    ),
    anyBytes(80),
    fc.array(packet, { maxLength: 2 }),
  )
  .map(([before, header, body, after]) => compact(Buffer.concat([frame(before), Buffer.from(header, 'latin1'), body, frame(after)])));
