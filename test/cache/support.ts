import type { Gateway } from '../support/gateway.js';

/** Current value of gitgate_token_lookups_total{tier, result} on one instance. */
export async function lookups(gw: Gateway, tier: string, result?: string): Promise<number> {
  const { values } = await gw.system.metrics.tokenLookups.get();
  return values
    .filter((v) => v.labels.tier === tier && (result === undefined || v.labels.result === result))
    .reduce((sum, v) => sum + v.value, 0);
}

/** Status of an authenticated ref advertisement on `gw`. */
export async function refsStatus(gw: Gateway, repo: string, token: string, service = 'git-upload-pack'): Promise<number> {
  const res = await fetch(`${gw.url}/${repo}.git/info/refs?service=${service}`, {
    headers: { authorization: `Basic ${Buffer.from(`oauth2:${token}`).toString('base64')}` },
  });
  await res.arrayBuffer();
  return res.status;
}
