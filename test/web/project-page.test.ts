/**
 * The project page at a project's `web_url`: who sees it (the projects'
 * visibility rules, sign-in for visitors, 404 for the signed-in without
 * access), what it shows (clone URLs over HTTP and SSH, default branch) and
 * that it claims no git path, over HTTP on every database of the run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { WebClient } from './support/web-client.js';

const EXTERNAL = 'http://127.0.0.1:8080';

describe.each(databaseKinds())('the project page on %s', (kind) => {
  let gw: Gateway;
  let alice: User, gus: User;
  let secret: Project, open: Project;

  beforeAll(async () => {
    gw = await startGateway(kind, { ssh: true, env: { GITGATE_EXTERNAL_URL: EXTERNAL } });
    [alice, gus] = (await Promise.all(['alice', 'gus', 'bob'].map((n) => gw.createUser(n)))) as [User, User];
    secret = await gw.createProject(alice, 'secret');
    open = await gw.system.projects.create(
      { id: alice.id, username: alice.username, isAdmin: false },
      { name: 'Open <Tool>', path: 'open', visibility: 'public', description: 'Shared <b>code</b> & "docs"' },
    );
    await gw.createProject(alice, 'inside', 'internal');
    await gw.seedCommit(secret);
    await gw.addMember(secret, gus, 'guest');
  });
  afterAll(() => gw?.stop());

  const signedIn = async (login: string) => {
    const client = new WebClient(gw.url);
    expect((await client.signIn(login, PASSWORD)).status).toBe(303);
    return client;
  };

  it('shows a public project to anyone: name, description, default branch and both clone URLs with copy buttons', async () => {
    const page = await new WebClient(gw.url).get('/alice/open');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.html).toContain('Open &lt;Tool&gt;');
    expect(page.html).toContain('Shared &lt;b&gt;code&lt;/b&gt; &amp; &quot;docs&quot;');
    expect(page.html).not.toContain('<b>code</b>');
    expect(page.html).toContain('<code id="default-branch">main</code>');
    expect(page.html).toContain(`value="ssh://git@127.0.0.1:${gw.sshPort}/alice/open.git"`);
    expect(page.html).toContain(`value="${EXTERNAL}/alice/open.git"`);
    expect(page.html).toContain('data-copy-target="clone-ssh"');
    expect(page.html).toContain('data-copy-target="clone-http"');
    expect(page.html).toContain('src="/-/web/assets/copy.js"');
    expect(page.html).not.toMatch(/<script>/);
  });

  it('is served at the web_url the API gives, and answers HEAD', async () => {
    const res = await fetch(`${gw.url}/api/v4/projects/${open.id}`);
    const webUrl = ((await res.json()) as { web_url: string }).web_url;
    expect(webUrl).toBe(`${EXTERNAL}/alice/open`);
    expect((await new WebClient(gw.url).get(new URL(webUrl).pathname)).status).toBe(200);
    expect((await fetch(`${gw.url}/alice/open`, { method: 'HEAD' })).status).toBe(200);
  });

  it('sends a visitor to sign in for a project they may not see, whether it exists or not, and back after', async () => {
    const visitor = new WebClient(gw.url);
    for (const path of ['/alice/secret', '/alice/inside', '/alice/nothing-here']) {
      const page = await visitor.get(path);
      expect(page.status, path).toBe(303);
      expect(page.location).toBe(`/users/sign_in?redirect_to=${encodeURIComponent(path)}`);
    }
    await visitor.get('/users/sign_in?redirect_to=%2Falice%2Fsecret');
    const signIn = await visitor.post('/users/sign_in', { login: 'alice', password: PASSWORD, redirect_to: '/alice/secret' });
    expect(signIn.location).toBe('/alice/secret');
    const page = await visitor.follow(signIn);
    expect(page.status).toBe(200);
    expect(page.html).toContain(`value="${EXTERNAL}/alice/secret.git"`);
  });

  it('answers a signed-in user without access with the 404 of a missing project', async () => {
    const bob = await signedIn('bob');
    const hidden = await bob.get('/alice/secret');
    const missing = await bob.get('/alice/nothing-here');
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(hidden.html.replace(/value="[^"]*"/g, '')).toBe(missing.html.replace(/value="[^"]*"/g, ''));
    expect((await bob.get('/alice/inside')).status).toBe(200);
  });

  it('shows a guest the project but not its code', async () => {
    const page = await (await signedIn('gus')).get('/alice/secret');
    expect(page.status).toBe(200);
    expect(page.html).toContain('reading its code takes the Reporter role');
    expect(page.html).not.toContain('alice/secret.git');
    expect(page.html).not.toContain('default-branch');
  });

  it('sends /namespace/project.git and other spellings to the page', async () => {
    const visitor = new WebClient(gw.url);
    expect(await visitor.get('/alice/open.git')).toMatchObject({ status: 301, location: '/alice/open' });
    expect(await visitor.get('/ALICE/Open')).toMatchObject({ status: 301, location: '/alice/open' });
    expect((await visitor.get('/alice/open/')).status).toBe(200);
  });

  it('leaves git paths to git and claims nothing under a repository', async () => {
    const refs = await fetch(`${gw.url}/alice/open.git/info/refs?service=git-upload-pack`);
    expect(refs.status).toBe(200);
    expect(refs.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement');
    const privateRefs = await fetch(`${gw.url}/alice/secret/info/refs?service=git-upload-pack`);
    expect(privateRefs.status).toBe(401);
    for (const path of ['/alice/open/HEAD', '/alice/open.git/HEAD', '/alice/open.git/objects/info/packs', '/alice/open/info/refs', '/alice/open/blob/main']) {
      const res = await fetch(`${gw.url}${path}`, { redirect: 'manual' });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/plain/);
    }
    const post = await fetch(`${gw.url}/alice/open`, { method: 'POST', redirect: 'manual' });
    expect(post.status).toBe(404);
    expect(post.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('leaves the other pages where they were', async () => {
    const visitor = new WebClient(gw.url);
    expect((await visitor.get('/users/sign_in')).html).toContain('Sign in');
    expect((await visitor.get('/-/user_settings/personal_access_tokens')).status).toBe(303);
  });
});
