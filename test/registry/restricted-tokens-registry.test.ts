/**
 * Restricted tokens (issue 16) with the real registry (distribution 2.8
 * trusting gitgate's `/jwt/auth`) and skopeo, on every database of the run:
 * a token limited to some projects pushes and pulls their images and gets no
 * action on its owner's other projects, public ones included; a token used
 * from outside its addresses is refused at `/jwt/auth` with a 401 naming the
 * address; a restricted token never lists the catalog.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestrictionsInput } from '../../src/tokens/restriction-input.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { tempDir } from '../support/git-cli.js';
import { registryToolsInstalled, startRegistryFor, type RunningRegistry } from './support/distribution.js';
import { writeOciImage, type OciImage } from './support/oci-image.js';
import { pull, push } from './support/skopeo.js';
import { accessOf, basic, requestToken } from './support/token-client.js';

const installed = registryToolsInstalled();
const REFUSED = /unauthorized|denied|authentication required/i;

describe.runIf(installed).each(databaseKinds())('restricted tokens with the container registry on %s', (kind) => {
  let gw: Gateway;
  let registry: RunningRegistry;
  let image: OciImage;
  let alice: User, root: User;
  const ref = (name: string): string => `${registry.host}/${name}`;
  const token = async (user: User, restrictions: RestrictionsInput, scopes = ['write_registry']): Promise<string> =>
    (await gw.createToken(user, scopes, { restrictions })).token;

  beforeAll(async () => {
    gw = await startGateway(kind);
    registry = await startRegistryFor(gw);
    image = writeOciImage(tempDir('gitgate-oci-'), 'v1');
    [alice, root] = await Promise.all([gw.createUser('alice'), gw.createUser('root', { admin: true })]);
    const bob = await gw.createUser('bob');
    await gw.createProject(alice, 'app');
    await gw.createProject(alice, 'other');
    await gw.createProject(alice, 'site', 'public');
    const tools = await gw.createProject(bob, 'tools');
    await gw.addMember(tools, alice, 'developer');
    // Images in every project, pushed with an unrestricted token.
    const everything = await token(alice, {});
    for (const name of ['alice/other:v1', 'alice/site:v1', 'bob/tools:v1']) {
      const pushed = await push(image, ref(name), `alice:${everything}`);
      expect(pushed.code, pushed.stderr).toBe(0);
    }
  });
  afterAll(async () => {
    await registry?.stop();
    await gw?.stop();
  });

  it('a token limited to one project pushes and pulls its images, and is refused on the same owner’s other project', async () => {
    const limited = await token(alice, { projects: ['alice/app'] });
    const pushed = await push(image, ref('alice/app/web:v1'), `alice:${limited}`);
    expect(pushed.code, pushed.stderr).toBe(0);
    const pulled = await pull(ref('alice/app/web:v1'), `alice:${limited}`);
    expect(pulled.code, pulled.stderr).toBe(0);

    const pushElsewhere = await push(image, ref('alice/other:v2'), `alice:${limited}`);
    expect(pushElsewhere.code).not.toBe(0);
    expect(pushElsewhere.stderr).toMatch(REFUSED);
    const pullElsewhere = await pull(ref('alice/other:v1'), `alice:${limited}`);
    expect(pullElsewhere.code).not.toBe(0);
    expect(pullElsewhere.stderr).toMatch(REFUSED);

    const answer = await requestToken(gw, {
      scopes: ['repository:alice/app/web:pull,push', 'repository:alice/other:pull,push', 'repository:alice/site:pull'],
      authorization: basic('alice', limited),
    });
    expect(accessOf(answer)).toEqual([{ type: 'repository', name: 'alice/app/web', actions: ['pull', 'push'] }]);
  });

  it('a public project outside the list grants the token nothing, though anyone may pull it anonymously', async () => {
    const limited = await token(alice, { projects: ['alice/app'] }, ['read_registry']);
    const refused = await pull(ref('alice/site:v1'), `alice:${limited}`);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(REFUSED);
    const anonymous = await pull(ref('alice/site:v1'), null);
    expect(anonymous.code, anonymous.stderr).toBe(0);
  });

  it("a token limited to a namespace reaches its projects and not the owner's memberships elsewhere", async () => {
    const inBob = await token(alice, { namespaces: ['bob'] });
    const pushed = await push(image, ref('bob/tools:v2'), `alice:${inBob}`);
    expect(pushed.code, pushed.stderr).toBe(0);
    const refused = await push(image, ref('alice/other:v3'), `alice:${inBob}`);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(REFUSED);
  });

  it('a token used from outside its addresses is refused at /jwt/auth with a 401 naming the address; inside, it works', async () => {
    const elsewhere = await token(alice, { allowedIps: ['10.0.0.0/8', '2001:db8::/32'] });
    const answer = await requestToken(gw, { scopes: ['repository:alice/other:pull'], authorization: basic('alice', elsewhere) });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: 'This token may not be used from 127.0.0.1.' }] });
    const refused = await pull(ref('alice/other:v1'), `alice:${elsewhere}`);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('This token may not be used from 127.0.0.1.');

    const here = await token(alice, { allowedIps: ['127.0.0.0/8'] });
    const pulled = await pull(ref('alice/other:v1'), `alice:${here}`);
    expect(pulled.code, pulled.stderr).toBe(0);
  });

  it("lists the catalog for an administrator's unrestricted token only, never for a restricted one", async () => {
    const catalog = async (secret: string): Promise<number> => {
      const answer = await requestToken(gw, { scopes: ['registry:catalog:*'], authorization: basic('root', secret) });
      expect(answer.status).toBe(200);
      return (await fetch(`${registry.url}/v2/_catalog`, { headers: { authorization: `Bearer ${String(answer.body.token)}` } })).status;
    };
    expect(await catalog(await token(root, {}, ['read_registry']))).toBe(200);
    expect(await catalog(await token(root, { namespaces: ['alice'] }, ['read_registry']))).toBe(401);
  });
});
