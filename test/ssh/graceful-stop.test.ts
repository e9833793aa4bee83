/**
 * A graceful stop over SSH (issue 19's rolling restart): a clone whose
 * connection the server accepted before the stop — still in its handshake
 * or authentication when the stop began — is served to the end, because the
 * stop lets every open connection bring its command past admission before
 * the drain refuses new operations. Connections arriving after the stop are
 * refused by the closed listener (a balancer sends them elsewhere).
 */
import { describe, expect, it } from 'vitest';
import { startGateway } from '../support/gateway.js';
import { gitOk, tempDir } from '../support/git-cli.js';
import { generateKey, gitSsh, sshToolsInstalled, sshUrl } from './ssh-client.js';

const ADMIN = { id: 0, username: '(test)', isAdmin: true };

describe.runIf(sshToolsInstalled())('stopping while an SSH clone is connecting', () => {
  it('serves the clone whose connection was accepted before the stop', async () => {
    const gw = await startGateway('sqlite', { ssh: true });
    const alice = await gw.createUser('alice');
    await gw.seedCommit(await gw.createProject(alice, 'demo'));
    const key = await generateKey();
    await gw.system.sshKeys.add(ADMIN, alice.id, { title: 'laptop', key: key.publicKey });
    const dir = tempDir();
    const clone = gitSsh(gw.sshPort!, { key }, ['clone', '--bare', sshUrl(gw.sshPort!, 'alice', 'alice/demo.git'), dir]);
    // The moment the server holds the connection, long before git's command arrives.
    while (gw.server.ssh!.connectionsFrom('127.0.0.1') === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const stopped = gw.stop();
    const r = await clone;
    await stopped;
    expect(r.code, r.stderr).toBe(0);
    expect((await gitOk(['--git-dir', dir, 'rev-parse', 'HEAD'])).trim()).toMatch(/^[0-9a-f]{40}$/);
  });
});
