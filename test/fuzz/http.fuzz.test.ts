/**
 * Fuzzed requests against one real gateway per database, over real
 * HTTP/1.1 on loopback (byte-level, see raw-http.ts): Authorization and
 * PRIVATE-TOKEN headers, paths under repositories, `Git-Protocol`,
 * info/refs query strings, registry scopes, pkt-line bodies for
 * upload-pack, web parameters and cookies, and bytes that are barely HTTP.
 * Whatever arrives, the answer is never a 5xx, nothing is logged as an
 * error, and the server still answers `/-/health` afterwards.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchGitPath } from '../../src/git-http/git-path.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { anyBytes, anyString, fromPieces, mutated, trickyChar } from '../support/fuzz-arbitraries.js';
import { almostPktLines, frame, packet, v0FreshFetch, v2FreshFetch, v2LsRefs } from '../support/fuzz-pkt-lines.js';
import { fuzzIt } from '../support/fuzz.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { percentEncode, send, sendRaw, serialize, type RawAnswer, type RawRequest } from './raw-http.js';

/** Room for a property's requests on a busy 2-core machine (a hang, not slowness, is what it catches). */
const PROPERTY_TIMEOUT_MS = 120_000;
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
/** Header-sized hostile text (servers cap a header block at 16 KiB). */
const headerText = anyString({ maxLength: 60, overlong: 4000 });

describe.each(databaseKinds())('fuzzed HTTP requests on %s', (kind) => {
  let gw: Gateway;
  let port: number;
  let alice: User;
  let readToken: string, apiToken: string, sudoToken: string;
  let answered = 0;

  /** Sends `request` and checks the one rule of this suite: never a 5xx. */
  async function fire(request: RawRequest | Buffer): Promise<RawAnswer> {
    const answer = Buffer.isBuffer(request) ? await sendRaw(port, request) : await send(port, request);
    answered++;
    if (answer.status !== null && answer.status >= 500) {
      const shown = Buffer.isBuffer(request) ? request.toString('latin1').slice(0, 300) : JSON.stringify(request).slice(0, 300);
      throw new Error(`${answer.status} for ${shown}\n${answer.head}\n${answer.body.toString('latin1').slice(0, 300)}`);
    }
    return answer;
  }

  beforeAll(async () => {
    // No ban: every fuzzed credential must reach the parsers, not a 403 from the ban list.
    gw = await startGateway(kind, { env: { GITGATE_AUTH_BAN_ENABLED: 'false' } });
    port = Number(new URL(gw.url).port);
    alice = await gw.createUser('alice');
    const root = await gw.createUser('root', { admin: true });
    const demo = await gw.createProject(alice, 'demo');
    await gw.createProject(alice, 'site', 'public');
    await gw.seedCommit(demo);
    readToken = (await gw.createToken(alice, ['read_repository', 'read_registry'])).token;
    apiToken = (await gw.createToken(alice, ['api'])).token;
    sudoToken = (await gw.createToken(root, ['api', 'sudo'])).token;
  });

  afterAll(async () => {
    await gw?.stop();
  });

  const credentials = (): fc.Arbitrary<string> => {
    const token = fc.constantFrom(readToken, apiToken);
    const secret = fc.oneof(
      { arbitrary: mutated(token), weight: 4 },
      { arbitrary: headerText, weight: 3 },
      { arbitrary: fc.constantFrom('glpat-', 'glpat-x', `${readToken}\0`, `${readToken} `), weight: 1 },
      { arbitrary: token, weight: 1 },
    );
    const username = fc.oneof(fc.constantFrom('alice', 'ALICE', 'oauth2', 'root', '', 'alice@gitgate.invalid'), fc.string({ unit: fc.oneof(trickyChar, fc.constantFrom('a', 'l')), maxLength: 8 }));
    return fc.oneof(
      { arbitrary: fc.tuple(username, secret).map(([u, p]) => `Basic ${b64(`${u}:${p}`)}`), weight: 6 },
      { arbitrary: secret.map((p) => `Bearer ${p}`), weight: 2 },
      { arbitrary: headerText, weight: 2 },
      { arbitrary: fromPieces(['Basic', 'basic', ' ', b64('alice:'), b64(':'), '=', 'YTpi', 'Bearer ', '\t'], 6), weight: 2 },
    );
  };

  fuzzIt('Authorization on a private repository and on the registry token endpoint', 300, () =>
    fc.asyncProperty(credentials(), fc.boolean(), async (authorization, registry) => {
      const target = registry ? '/jwt/auth?service=container_registry&scope=repository:alice/demo:pull' : '/alice/demo.git/info/refs?service=git-upload-pack';
      const answer = await fire({ target, headers: [['Authorization', authorization]] });
      expect([200, 400, 401, 403, 404, 431]).toContain(answer.status);
    }),
    PROPERTY_TIMEOUT_MS,
  );

  fuzzIt('PRIVATE-TOKEN, private_token, Bearer and Sudo on the API', 900, () =>
    fc.asyncProperty(
      fc.constantFrom('header', 'query', 'bearer', 'sudo'),
      fc.oneof(mutated(fc.constantFrom(readToken, apiToken)), headerText),
      fc.constantFrom('/api/v4/user', '/api/v4/projects', '/api/v4/personal_access_tokens'),
      async (where, value, path) => {
        const request: RawRequest =
          where === 'query'
            ? { target: `${path}?private_token=${percentEncode(value)}` }
            : where === 'sudo'
              ? { target: path, headers: [['PRIVATE-TOKEN', sudoToken], ['Sudo', value]] }
              : { target: path, headers: [[where === 'header' ? 'PRIVATE-TOKEN' : 'Authorization', where === 'bearer' ? `Bearer ${value}` : value]] };
        await fire(request);
      },
    ),
    PROPERTY_TIMEOUT_MS,
  );

  fuzzIt('project references, user lookups, branch names and searches on the API', 900, () =>
    fc.asyncProperty(
      fc.oneof(
        anyString({ maxLength: 40, overlong: 3000 }),
        fromPieces(['alice', '/', 'demo', '%2F', '..', '1', '0', '\0', '%00', 'main', '^', '$', '*', '.lock', '@{'], 5),
      ),
      fc.constantFrom('project', 'username', 'search', 'page', 'sort', 'branch', 'refSearch'),
      fc.boolean(),
      async (value, what, signedIn) => {
        const encoded = percentEncode(value);
        const target = {
          project: `/api/v4/projects/${encoded}`,
          username: `/api/v4/users?username=${encoded}`,
          search: `/api/v4/projects?search=${encoded}`,
          page: `/api/v4/projects?page=${encoded}&per_page=${encoded}`,
          sort: `/api/v4/personal_access_tokens?sort=${encoded}&created_after=${encoded}&state=${encoded}`,
          branch: `/api/v4/projects/alice%2Fdemo/repository/branches/${encoded}`,
          refSearch: `/api/v4/projects/alice%2Fdemo/repository/${value.length % 2 ? 'tags' : 'branches'}?search=${encoded}&sort=${encoded}`,
        }[what];
        await fire({ target, headers: signedIn ? [['PRIVATE-TOKEN', apiToken]] : [] });
      },
    ),
    PROPERTY_TIMEOUT_MS,
  );

  const pathPiece = fc.oneof(
    fc.constantFrom('alice', 'demo', 'demo.git', 'site.git', 'info', 'refs', 'HEAD', 'objects', 'git-upload-pack', 'git-receive-pack', '..', '.', '%2e%2e', '%2f', '%5c', '%00', '%2E', '', 'x.git'),
    fc.string({ unit: fc.oneof(trickyChar, fc.constantFrom('a', '.', '%')), maxLength: 6 }),
  );

  fuzzIt('paths under repositories, any method', 1500, () =>
    fc.asyncProperty(
      fc.array(pathPiece, { minLength: 1, maxLength: 6 }),
      fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PROPFIND'),
      fc.option(fc.constantFrom('?service=git-upload-pack', '?service=git-receive-pack', '?service=', '?'), { nil: '' }),
      async (pieces, method, query) => {
        const answer = await fire({
          method,
          target: `/${pieces.join('/')}${query}`,
          headers: [
            ['Authorization', `Basic ${b64(`alice:${readToken}`)}`],
            ['Content-Type', 'application/x-git-upload-pack-request'],
          ],
        });
        // A path the git router calls not-found is answered 404, whatever the method, without running anything.
        const path = `/${pieces.join('/')}`;
        if (!/[\s?#\x00-\x1f\x7f-\uffff]/.test(path) && matchGitPath(path)?.kind === 'not-found') expect([400, 404]).toContain(answer.status);
      },
    ),
    PROPERTY_TIMEOUT_MS,
  );

  fuzzIt('Git-Protocol headers and info/refs query strings', 800, () =>
    fc.asyncProperty(
      fc.oneof(headerText, mutated(fc.constantFrom('version=2', 'version=1', 'version=2:objectformat=sha1')), fromPieces(['version', '=', '2', ':', 'a=b', ';'], 6)),
      fc.oneof(fc.constant('service=git-upload-pack'), fc.constant('service=git-receive-pack'), anyString({ maxLength: 30 }).map((q) => `service=${percentEncode(q)}`), fromPieces(['service=', 'git-upload-pack', '&', '=', 'service', '%', '[]', '[x]=1'], 6)),
      async (gitProtocol, query) => {
        const answer = await fire({
          target: `/alice/demo.git/info/refs?${query}`,
          headers: [
            ['Authorization', `Basic ${b64(`alice:${readToken}`)}`],
            ['Git-Protocol', gitProtocol],
          ],
        });
        expect([200, 400, 403, 404, 431]).toContain(answer.status);
      },
    ),
    PROPERTY_TIMEOUT_MS,
  );

  fuzzIt('registry scope and service parameters', 1000, () =>
    fc.asyncProperty(
      fc.array(
        fc.oneof(
          anyString({ maxLength: 40, overlong: 2000 }),
          fromPieces(['repository', ':', 'alice/demo', 'alice/site', '/', 'pull', ',', 'push', '*', ' ', '(x)', 'registry:catalog:*', 'A'], 8),
        ),
        { maxLength: 4 },
      ),
      fc.option(fc.oneof(fc.constant('container_registry'), anyString({ maxLength: 20 })), { nil: undefined }),
      fc.boolean(),
      async (scopes, service, signedIn) => {
        const query = [...scopes.map((s) => `scope=${percentEncode(s)}`), ...(service === undefined ? [] : [`service=${percentEncode(service)}`])].join('&');
        const answer = await fire({ target: `/jwt/auth?${query}`, headers: signedIn ? [['Authorization', `Basic ${b64(`alice:${readToken}`)}`]] : [] });
        expect([200, 400, 401, 403, 414, 431]).toContain(answer.status);
      },
    ),
    PROPERTY_TIMEOUT_MS,
  );

  fuzzIt('pkt-line bodies to git-upload-pack, plain and gzip, v0 and v2', 200, () =>
    fc.asyncProperty(
      fc.oneof(
        almostPktLines,
        fc.array(packet, { maxLength: 6 }).map(frame),
        fc.oneof(v2FreshFetch, v0FreshFetch, v2LsRefs).map(frame),
        fc.oneof(v2LsRefs, v2FreshFetch).chain((r) => mutated(fc.constant(frame(r).toString('latin1')))).map((s) => Buffer.from(s, 'latin1')),
        anyBytes(200),
      ),
      fc.constantFrom('version=2', '', 'version=1'),
      fc.constantFrom('none', 'gzip', 'bad-gzip'),
      fc.constantFrom('application/x-git-upload-pack-request', 'application/x-git-upload-pack-request; charset=x', 'text/plain', ''),
      async (body, gitProtocol, encoding, contentType) => {
        const payload = encoding === 'gzip' ? gzipSync(body) : encoding === 'bad-gzip' ? Buffer.concat([Buffer.from([0x1f, 0x8b]), body]) : body;
        const answer = await fire({
          method: 'POST',
          target: '/alice/demo.git/git-upload-pack',
          headers: [
            ['Authorization', `Basic ${b64(`alice:${readToken}`)}`],
            ['Content-Type', contentType],
            ...(gitProtocol ? [['Git-Protocol', gitProtocol] as const] : []),
            ...(encoding === 'none' ? [] : [['Content-Encoding', 'gzip'] as const]),
          ],
          body: payload,
        });
        // null: a fresh fetch from the fetch cache whose git run failed after its first byte is cut, by design.
        expect([200, 400, 415, null]).toContain(answer.status);
      },
    ),
    PROPERTY_TIMEOUT_MS,
  );

  fuzzIt('web parameters and session cookies', 800, () =>
    fc.asyncProperty(
      fc.oneof(headerText, fromPieces(['/', '//', '\\', 'evil.example', '%2f', '..', 'http:', '?', '#', '%09'], 6)),
      fc.constantFrom('redirect', 'cookie', 'prefill'),
      async (value, what) => {
        const request: RawRequest =
          what === 'redirect'
            ? { target: `/users/sign_in?redirect_to=${percentEncode(value)}` }
            : what === 'cookie'
              ? { target: '/-/user_settings/personal_access_tokens', headers: [['Cookie', `gitgate_session=${value}`]] }
              : { target: `/-/user_settings/personal_access_tokens?name=${percentEncode(value)}&scopes=${percentEncode(value)}` };
        const answer = await fire(request);
        const location = /\r\nlocation: ([^\r]*)/i.exec(answer.head)?.[1];
        if (location) expect(new URL(location, 'http://gitgate.test/').host).toBe('gitgate.test');
      },
    ),
    PROPERTY_TIMEOUT_MS,
  );

  fuzzIt('bytes that are barely HTTP: any request line, header names and values', 1500, () =>
    fc.asyncProperty(
      fc.oneof(
        // Raw bytes end like a header block, so the server never waits for more.
        anyBytes(300)
          .filter((b) => /[^\r\n]/.test(b.toString('latin1')))
          .map((b) => Buffer.concat([b, Buffer.from('\r\n\r\n')])),
        fc
          .tuple(
            fc.oneof(fc.constantFrom('GET', 'POST', 'HEAD', 'get', 'G\0T', ''), anyString({ maxLength: 8 })),
            fc.oneof(fc.constantFrom('/', '/alice/demo.git/info/refs?service=git-upload-pack', '/api/v4/user', '*', 'http://x/', '/-/health'), anyString({ maxLength: 40 })),
            fc.array(fc.tuple(fc.oneof(fc.constantFrom('Authorization', 'Git-Protocol', 'PRIVATE-TOKEN', 'Cookie', 'Transfer-Encoding', 'Expect', 'X-Forwarded-For'), anyString({ maxLength: 12 })), headerText), { maxLength: 4 }),
          )
          .map(([method, target, headers]) => serialize({ method, target, headers })),
      ),
      async (bytes) => {
        await fire(bytes);
      },
    ),
    PROPERTY_TIMEOUT_MS,
  );

  it('still answers /-/health, and logged no error while being fuzzed', async () => {
    const health = await send(port, { target: '/-/health' });
    expect(health.status).toBe(200);
    expect(health.body.toString()).toBe('GitGate OK');
    const errors = gw.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
    expect(errors).toEqual([]);
    expect(answered).toBeGreaterThan(0);
    console.info(`[fuzz] ${kind}: ${answered} fuzzed requests answered without a 5xx`);
  });
});
