/**
 * deploy/nginx/gitgate-cluster.conf when an instance closes a kept-alive
 * connection under a request nginx has just sent on it (what a stopping
 * instance does): a fetch (`git-upload-pack`, it only reads) goes on to the
 * next instance, a push (`git-receive-pack`) is never sent twice. The
 * instances are stand-ins: the first resets every connection once a
 * request's headers arrived, the others answer and record what reached them.
 * A fresh nginx per case, so its round-robin starts at the first instance.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { tempDir } from '../support/git-cli.js';
import { loopbackRequest } from '../support/loopback-request.js';
import { nginxBuild, startNginx, type RunningNginx } from '../support/nginx.js';
import { writeSelfSignedCertificate, type TlsCertificate } from '../support/tls-certificate.js';
import { nginxConfig } from './cluster.js';

const build = nginxBuild('the upstream retry tests');

describe.runIf(build)('nginx in front of an instance that resets a request it was sent', () => {
  let dir: string;
  let cert: TlsCertificate;
  let resetting: net.Server;
  let answering: http.Server[];
  let answered: { url: string; body: string }[];
  let nginx: RunningNginx | null = null;
  let url: string;

  async function listening<T extends net.Server>(server: T): Promise<number> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  }

  beforeAll(async () => {
    dir = tempDir('gitgate-upstream-retry-');
    cert = await writeSelfSignedCertificate(dir);
    resetting = net.createServer((socket) => {
      let head = '';
      socket.on('data', (chunk: Buffer) => {
        head += chunk.toString('latin1');
        if (head.includes('\r\n\r\n')) socket.resetAndDestroy();
      });
      socket.on('error', () => undefined);
    });
    answered = [];
    answering = [0, 1].map(() =>
      http.createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          answered.push({ url: req.url ?? '', body });
          res.end('answered\n');
        });
      }),
    );
    const ports = [await listening(resetting), ...(await Promise.all(answering.map(listening)))];
    const httpsPort = await freePort();
    const config = nginxConfig(build!, {
      dir,
      cert,
      httpsPort,
      plainPort: await freePort(),
      sshPort: await freePort(),
      instances: await Promise.all(ports.map(async (httpPort, index) => ({ index, httpPort, sshPort: await freePort() }))),
    });
    fs.writeFileSync(`${dir}/cluster.conf`, config);
    url = `https://127.0.0.1:${httpsPort}`;
  });

  afterEach(async () => {
    await nginx?.stop();
    nginx = null;
  });

  afterAll(async () => {
    resetting.close();
    for (const server of answering) server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const post = async (path: string, body: string) => {
    nginx = await startNginx(build!, dir, fs.readFileSync(`${dir}/cluster.conf`, 'utf8'));
    return loopbackRequest(`${url}${path}`, { method: 'POST', body, ca: cert.certificatePem, headers: { 'Content-Type': 'application/x-git-request' } });
  };

  it('sends a fetch on to the next instance, body and all', async () => {
    const answer = await post('/alice/site.git/git-upload-pack', 'want and have lines');
    expect(answer.status).toBe(200);
    expect(answered).toContainEqual({ url: '/alice/site.git/git-upload-pack', body: 'want and have lines' });
  });

  it('answers 502 to a push, which no other instance sees', async () => {
    answered.length = 0;
    const answer = await post('/alice/site.git/git-receive-pack', 'a pack');
    expect(answer.status).toBe(502);
    expect(answered).toEqual([]);
  });
});
