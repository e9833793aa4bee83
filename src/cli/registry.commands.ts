import type { Command } from 'commander';
import { SigningKeyError, type SigningKey } from '../registry-tokens/signing-key.js';
import { UsageError, type WithSystem } from './cli-context.js';

/**
 * `gitgate registry show|bundle|rotate-key|activate-key`: the container
 * registry token signing key. Rotation is two commands because the registry
 * reads its rootcertbundle only at start (see signing-key.store.ts).
 */
export function registerRegistryCommands(program: Command, withSystem: WithSystem): void {
  const registry = program.command('registry').description('container registry token signing key');
  registry
    .command('show')
    .description('print the signing key, its certificate and the files to point the registry at')
    .action(() =>
      withSystem(async (s) => {
        const keys = s.registry.keys;
        const key = await keys.ensure();
        const staged = await keys.staged();
        const { registry: c } = s.config;
        process.stdout.write(
          [
            describe('current', key),
            staged ? describe('staged', staged) : 'staged:  none',
            `realm:   ${s.config.externalUrl}/jwt/auth`,
            `issuer:  ${c.issuer}`,
            `service: ${c.service}`,
            `rootcertbundle: ${c.bundleFile}`,
            '',
          ].join('\n'),
        );
      }),
    );
  registry
    .command('bundle')
    .description("print the root certificate bundle (PEM) for the registry's auth.token.rootcertbundle")
    .action(() =>
      withSystem(async (s) => {
        await s.registry.keys.ensure();
        process.stdout.write(await s.registry.keys.bundle());
      }),
    );
  registry
    .command('rotate-key')
    .description('generate the next signing key and add its certificate to the bundle; the current key keeps signing')
    .action(() =>
      withSystem(async (s) => {
        const staged = await keyCommand(() => s.registry.keys.stage());
        process.stdout.write(
          `${describe('staged', staged)}\nadded to ${s.config.registry.bundleFile}\n` +
            'restart the registry so it trusts the new certificate, then run: gitgate registry activate-key\n',
        );
      }),
    );
  registry
    .command('activate-key')
    .description('sign with the staged key from now on; the previous certificate stays in the bundle until the next activation')
    .option('--drop-previous', 'remove the previous certificate from the bundle at once (a compromised key)')
    .action((opts: { dropPrevious?: boolean }) =>
      withSystem(async (s) => {
        const key = await keyCommand(() => s.registry.keys.activate({ dropPrevious: opts.dropPrevious ?? false }));
        // A deliberate change: instances started from now on check against the new key.
        await s.installation.adopt(['registry-signing-key']);
        process.stdout.write(
          `${describe('current', key)}\n` +
            (opts.dropPrevious ? `previous certificate removed from ${s.config.registry.bundleFile}: restart the registry\n` : ''),
        );
      }),
    );
}

/** Operator mistakes (nothing staged, already staged, mismatched files) are one-line usage errors. */
async function keyCommand(action: () => Promise<SigningKey>): Promise<SigningKey> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof SigningKeyError) throw new UsageError(err.message);
    throw err;
  }
}

function describe(label: string, key: SigningKey): string {
  return `${`${label}:`.padEnd(9)}kid ${key.keyId} (${key.algorithm}), certificate valid until ${key.notAfter.toISOString()}`;
}
