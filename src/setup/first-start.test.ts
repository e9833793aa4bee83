import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, UnavailableError, UnauthorizedError } from '../lib/errors.js';
import type { ProjectService } from '../projects/project.service.js';
import type { RepositoryStore } from '../projects/repository.store.js';
import type { CreateUserInput, UserService } from '../users/user.service.js';
import type { User } from '../users/user.js';
import { firstStart, type FirstStartDeps } from './first-start.js';

/**
 * Accounts kept in memory with their plaintext passwords; `create` waits
 * until `racers` callers have arrived, so they all find root missing.
 */
class FakeUsers {
  readonly accounts = new Map<string, User & { password: string }>();
  failNextCreate: Error | null = null;
  #arrived = 0;
  #release: () => void = () => undefined;
  readonly #barrier: Promise<void>;
  readonly #racers: number;

  constructor(racers = 1) {
    this.#racers = racers;
    this.#barrier = new Promise((resolve) => (this.#release = resolve));
    if (racers <= 1) this.#release();
  }

  async getByUsername(username: string): Promise<User> {
    const found = this.accounts.get(username);
    if (!found) throw new NotFoundError('404 User');
    return found;
  }

  async create(input: CreateUserInput): Promise<User> {
    if (++this.#arrived >= this.#racers) this.#release();
    await this.#barrier;
    if (this.failNextCreate) {
      const error = this.failNextCreate;
      this.failNextCreate = null;
      throw error;
    }
    if (this.accounts.has(input.username)) throw new ConflictError('Username has already been taken');
    const user = { id: this.accounts.size + 1, username: input.username, password: input.password ?? '' } as User & { password: string };
    this.accounts.set(input.username, user);
    return user;
  }

  async verifyAccountPassword(user: User | null, password: string): Promise<User> {
    if (!user || this.accounts.get(user.username)?.password !== password) throw new UnauthorizedError('invalid');
    return user;
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-first-start-'));
  dirs.push(dir);
  return path.join(dir, 'data');
}

function deps(users: FakeUsers, dir: string, rootPassword: string | null = null): FirstStartDeps {
  return {
    users: users as unknown as UserService,
    projects: {} as ProjectService,
    repos: {} as RepositoryStore,
    logger: pino({ level: 'silent' }),
    dataDir: dir,
    rootPassword,
    seedDemo: false,
    gitBin: 'git',
    gitPath: '/usr/bin:/bin',
    demoFixture: '',
  };
}

const fileIn = (dir: string) => path.join(dir, 'initial_root_password');
const readPassword = (dir: string) => fs.readFileSync(fileIn(dir), 'utf8').replace(/\n$/, '');

describe('firstStart', () => {
  it('writes the generated password (0600) into a data directory it creates, then creates root with it', async () => {
    const users = new FakeUsers();
    const dir = dataDir();
    const result = await firstStart(deps(users, dir));
    expect(result.password).toEqual({ kind: 'written', file: fileIn(dir) });
    expect(fs.statSync(fileIn(dir)).mode & 0o777).toBe(0o600);
    expect(users.accounts.get('root')?.password).toBe(readPassword(dir));
    expect(fs.readdirSync(dir)).toEqual(['initial_root_password']);
  });

  it('keeps the file when root cannot be created, and the next start uses the same password', async () => {
    const users = new FakeUsers();
    const dir = dataDir();
    users.failNextCreate = new UnavailableError('database unavailable');
    await expect(firstStart(deps(users, dir))).rejects.toThrow('database unavailable');
    const kept = readPassword(dir);
    await firstStart(deps(users, dir));
    expect(users.accounts.get('root')?.password).toBe(kept);
  });

  it('lets instances with their own data directories race: one creates root, the loser removes its file', async () => {
    const users = new FakeUsers(2);
    const [a, b] = [dataDir(), dataDir()];
    const results = await Promise.all([firstStart(deps(users, a)), firstStart(deps(users, b))]);
    const kinds = results.map((r) => r.password.kind).sort();
    expect(kinds).toEqual(['elsewhere', 'written']);
    const winner = results[0]!.password.kind === 'written' ? a : b;
    expect([a, b].filter((d) => fs.existsSync(fileIn(d)))).toEqual([winner]);
    expect(users.accounts.get('root')?.password).toBe(readPassword(winner));
  });

  it('lets instances sharing one data directory race: both use one password, and the file stays', async () => {
    const users = new FakeUsers(2);
    const dir = dataDir();
    const results = await Promise.all([firstStart(deps(users, dir)), firstStart(deps(users, dir))]);
    expect(results.map((r) => r.password.kind).sort()).toEqual(['in-file', 'written']);
    expect(users.accounts.get('root')?.password).toBe(readPassword(dir));
  });

  it('writes no file for a configured password', async () => {
    const users = new FakeUsers();
    const dir = dataDir();
    expect((await firstStart(deps(users, dir, 'configured-password'))).password).toEqual({ kind: 'configured' });
    expect(fs.existsSync(fileIn(dir))).toBe(false);
    expect(users.accounts.get('root')?.password).toBe('configured-password');
  });

  it('refuses a password file that holds no password, creating nothing', async () => {
    const users = new FakeUsers();
    const dir = dataDir();
    fs.mkdirSync(dir);
    fs.writeFileSync(fileIn(dir), '\n');
    await expect(firstStart(deps(users, dir))).rejects.toThrow(/holds no password \(remove it to generate a new one\); root was not created/);
    expect(users.accounts.size).toBe(0);
  });
});
