import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/config.js';

describe('registry configuration', () => {
  it('defaults to GitLab-like names, five-minute tokens and files in the data directory', () => {
    const c = loadConfig({ GITGATE_DATA_DIR: '/srv/gitgate' }).registry;
    expect(c).toEqual({
      issuer: 'gitgate-issuer',
      service: 'container_registry',
      tokenLifetimeSeconds: 300,
      keyFile: '/srv/gitgate/registry/token-signing.key',
      certFile: '/srv/gitgate/registry/token-signing.crt',
      bundleFile: '/srv/gitgate/registry/rootcertbundle.crt',
    });
  });

  it('takes every setting from the environment, resolving paths', () => {
    const c = loadConfig({
      GITGATE_REGISTRY_ISSUER: 'gitlab-issuer',
      GITGATE_REGISTRY_SERVICE: 'registry.example.com',
      GITGATE_REGISTRY_TOKEN_LIFETIME_SECONDS: '900',
      GITGATE_REGISTRY_KEY_FILE: 'keys/registry.key',
      GITGATE_REGISTRY_CERT_FILE: '/etc/gitgate/registry.crt',
      GITGATE_REGISTRY_CERT_BUNDLE_FILE: '/shared/bundle.crt',
    }).registry;
    expect(c).toMatchObject({ issuer: 'gitlab-issuer', service: 'registry.example.com', tokenLifetimeSeconds: 900 });
    expect(c.keyFile).toBe(path.resolve('keys/registry.key'));
    expect(c.certFile).toBe('/etc/gitgate/registry.crt');
    expect(c.bundleFile).toBe('/shared/bundle.crt');
  });

  it.each([
    ['GITGATE_REGISTRY_TOKEN_LIFETIME_SECONDS', '59'],
    ['GITGATE_REGISTRY_TOKEN_LIFETIME_SECONDS', '86401'],
    ['GITGATE_REGISTRY_SERVICE', 'container registry'],
    ['GITGATE_REGISTRY_ISSUER', 'a\nb'],
  ])('refuses %s=%j with one line naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid configuration: ${name} `));
  });
});
