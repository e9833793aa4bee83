/**
 * Git with the account password shares the web sign-in's account lockout:
 * guessing over git locks the account, and a locked account's password is
 * refused by git too (otherwise git would be a way around the lock).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';

describe.each(databaseKinds())('account lockout over git on %s', (kind) => {
  let gw: Gateway;
  let repo: string;

  beforeAll(async () => {
    gw = await startGateway(kind);
    const owner = await gw.createUser('locky');
    const project = await gw.createProject(owner, 'p');
    repo = `${project.namespace}/${project.path}`;
  });
  afterAll(() => gw?.stop());

  const status = async (password: string) =>
    (
      await fetch(`${gw.url}/${repo}.git/info/refs?service=git-upload-pack`, {
        headers: { authorization: `Basic ${Buffer.from(`locky:${password}`).toString('base64')}` },
      })
    ).status;

  it('locks after 10 wrong passwords, refuses the right one while locked, and lifts after 10 minutes', async () => {
    gw.clock.set('2031-02-01T12:00:00Z');
    expect(await status(PASSWORD)).toBe(200);
    for (let i = 0; i < 9; i++) expect(await status('wrong-password')).toBe(401);
    expect(await status(PASSWORD)).toBe(200);
    for (let i = 0; i < 10; i++) expect(await status('wrong-password')).toBe(401);
    expect(await status('wrong-password')).toBe(401);
    expect(await status(PASSWORD)).toBe(401);
    gw.clock.set('2031-02-01T12:10:01Z');
    expect(await status(PASSWORD)).toBe(200);
    gw.clock.set(new Date());
  });
});
