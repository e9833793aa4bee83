/**
 * Restricted tokens on Settings → Access tokens over plain HTTP (the browser
 * suite covers the same form through Chromium), on every database of the
 * run: the projects offered, what a submission stores, the limits shown in
 * the table, and each field's validation error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../src/identity/principal.js';
import { NO_RESTRICTIONS } from '../../src/identity/token-restrictions.js';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, git, tempDir } from '../support/git-cli.js';
import { WebClient } from './support/web-client.js';

const HOME = '/-/user_settings/personal_access_tokens';
const ADMIN: Identity = { id: 0, username: '(test)', isAdmin: true };

describe.each(databaseKinds())('restricted tokens on the access tokens page on %s', (kind) => {
  let gw: Gateway;
  let alice: User;
  let site: Project, other: Project, shared: Project, open: Project, hidden: Project;

  beforeAll(async () => {
    gw = await startGateway(kind);
    alice = await gw.createUser('alice');
    const bob = await gw.createUser('bob');
    site = await gw.createProject(alice, 'website');
    other = await gw.createProject(alice, 'other');
    shared = await gw.createProject(bob, 'shared');
    open = await gw.createProject(bob, 'open', 'public');
    hidden = await gw.createProject(bob, 'hidden');
    await gw.addMember(shared, alice, 'developer');
    await Promise.all([site, other].map((p) => gw.seedCommit(p)));
  });
  afterAll(() => gw?.stop());

  async function signedIn(): Promise<WebClient> {
    const c = new WebClient(gw.url);
    await c.signIn('alice', PASSWORD);
    await c.get(HOME);
    return c;
  }
  const tokensNamed = async (name: string) =>
    (await gw.system.tokens.list(ADMIN, { userId: alice.id })).tokens.filter((t) => t.name === name);
  /** The table row of the token `name`, its HTML. */
  const row = (html: string, name: string): string => {
    const at = html.indexOf(`<span class="token-name">${name}</span>`);
    expect(at, `row of ${name}`).toBeGreaterThan(-1);
    return html.slice(at, html.indexOf('</tr>', at));
  };
  const checkbox = (html: string, p: Project): string | undefined =>
    new RegExp(`<input type="checkbox" id="project-${p.id}" name="projects" value="${p.id}"[^>]*>`).exec(html)?.[0];

  it('offers the projects the user can see, and none they cannot', async () => {
    const c = await signedIn();
    const page = await c.get(HOME);
    for (const p of [site, other, shared, open]) {
      expect(checkbox(page.html, p), p.path).toBeDefined();
      expect(page.html).toContain(`<label for="project-${p.id}">${p.namespace}/${p.path}</label>`);
    }
    expect(checkbox(page.html, hidden)).toBeUndefined();
    expect(page.html).toContain('<details class="restrictions">');
    expect(page.html).toMatch(/name="allow_force_push" value="1" checked/);
    expect(page.html).toMatch(/name="allow_ref_deletion" value="1" checked/);
  });

  it('creates a token with every limit, lists them in the table, and the token keeps to them', async () => {
    const c = await signedIn();
    const created = await c.post(HOME, {
      name: 'bot',
      scopes: 'write_repository',
      projects: [String(site.id), String(shared.id)],
      namespaces: ' Bob , ci ',
      allowed_ips: '127.0.0.1, 10.0.0.0/8',
      push_refs: 'refs/heads/bot/*',
      allow_force_push: '0',
      allow_ref_deletion: '0',
    });
    expect(created.status).toBe(303);
    const page = await c.follow(created);
    const secret = /id="new-token-value"[^>]*value="([^"]+)"/.exec(page.html)?.[1];
    expect(secret).toMatch(/^glpat-/);

    const [token] = await tokensNamed('bot');
    expect(token?.restrictions).toEqual({
      projects: [site.id, shared.id],
      namespaces: ['bob', 'ci'],
      allowedIps: ['127.0.0.1', '10.0.0.0/8'],
      pushRefs: ['refs/heads/bot/*'],
      allowForcePush: false,
      allowRefDeletion: false,
    });
    expect(row(page.html, 'bot')).toContain(
      '<span class="token-limits">projects: alice/website, bob/shared; namespaces: bob, ci; from 127.0.0.1, 10.0.0.0/8; push: refs/heads/bot/*; no force-push; no ref deletion</span>',
    );

    const clone = (p: Project) => git(['clone', '--bare', authUrl(gw.url, `${p.namespace}/${p.path}.git`, 'alice', secret!), tempDir()]);
    expect((await clone(site)).code).toBe(0);
    const refused = await clone(other);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/could not be found/);
  });

  it('shows a token without limits as None, and a post without the switches (an older page, a script) as unlimited', async () => {
    const c = await signedIn();
    expect((await c.post(HOME, { name: 'plain', scopes: 'read_user' })).status).toBe(303);
    const [token] = await tokensNamed('plain');
    expect(token?.restrictions).toEqual(NO_RESTRICTIONS);
    const page = await c.get(HOME);
    expect(row(page.html, 'plain')).toContain('<td data-label="Limits">None</td>');
  });

  it('keeps the switches on when their boxes stay checked', async () => {
    const c = await signedIn();
    const created = await c.post(HOME, { name: 'switches on', scopes: 'read_user', allow_force_push: ['0', '1'], allow_ref_deletion: ['0', '1'], namespaces: 'alice' });
    expect(created.status).toBe(303);
    const [token] = await tokensNamed('switches on');
    expect(token?.restrictions).toMatchObject({ namespaces: ['alice'], allowForcePush: true, allowRefDeletion: true });
    expect(row((await c.follow(created)).html, 'switches on')).toContain('<span class="token-limits">namespaces: alice</span>');
  });

  it('names a project the user no longer sees by its id', async () => {
    const gone = await gw.createProject(alice, 'gone');
    await gw.createToken(alice, ['read_repository'], { name: 'orphan', restrictions: { projects: [gone.id, site.id] } });
    await gw.system.projects.delete(ADMIN, gone.id);
    const page = await (await signedIn()).get(HOME);
    expect(row(page.html, 'orphan')).toContain(`projects: #${gone.id}, alice/website</span>`);
  });

  it.each([
    ['projects', { projects: ['999999'] }, 'projects does not have a valid value: project 999999 not found'],
    ['namespaces', { namespaces: 'alice, not a path' }, 'namespaces does not have a valid value: not a path'],
    ['allowed_ips', { allowed_ips: '10.0.0.300' }, 'allowed_ips does not have a valid value: 10.0.0.300 is not an address or CIDR'],
    ['push_refs', { push_refs: 'main' }, 'push_refs does not have a valid value: main is not a ref pattern under refs/'],
  ])('refuses a bad %s with a message naming the field, keeping what was typed', async (field, fields, message) => {
    const c = await signedIn();
    const name = `bad ${field}`;
    const page = await c.post(HOME, { name, scopes: 'read_repository', allow_force_push: '0', ...fields });
    expect(page.status).toBe(422);
    expect(page.html).toContain(`<li>${message}</li>`);
    expect(page.html).toContain('<details class="restrictions" open>');
    expect(page.html).toContain(`value="${name}"`);
    expect(page.html).toMatch(/name="allow_force_push" value="1">/);
    if (field === 'projects') expect(page.html).toMatch(/<fieldset class="field project-picker" aria-invalid="true">/);
    else expect(page.html).toMatch(new RegExp(`name="${field}" type="text" value="${(fields as Record<string, string>)[field]}"[^>]* aria-invalid="true"`));
    expect(await tokensNamed(name)).toEqual([]);
  });

  it('refuses a project the user cannot see, forged into the form, as unknown', async () => {
    const c = await signedIn();
    const page = await c.post(HOME, { name: 'forged project', scopes: 'read_repository', projects: [String(site.id), String(hidden.id)] });
    expect(page.status).toBe(422);
    expect(page.html).toContain(`projects does not have a valid value: project ${hidden.id} not found`);
    expect(page.html).toMatch(new RegExp(`id="project-${site.id}" name="projects" value="${site.id}" checked`));
    expect(await tokensNamed('forged project')).toEqual([]);
  });

  it('takes a form with 100 projects checked (the most a token names) and refuses 101 by the service, not the body parser', async () => {
    const c = await signedIn();
    const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i < 2 ? [site.id, other.id][i] : 1_000_000 + i));
    const hundred = await c.post(HOME, { name: 'many', scopes: 'read_repository', projects: ids(100) });
    expect(hundred.status).toBe(422);
    expect(hundred.html).toContain('projects does not have a valid value: project 1000002 not found');
    const more = await c.post(HOME, { name: 'many', scopes: 'read_repository', projects: ids(101) });
    expect(more.status).toBe(422);
    expect(more.html).toContain('projects has more than 100 entries');
  });
});
