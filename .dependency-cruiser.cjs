/**
 * The architecture of STYLE.md and docs/architecture.md, checked on every
 * `npm test`: main → app → edges (git-http, ssh, api, web, registry, cli,
 * with shared HTTP plumbing in http) → the git backend (git) and the
 * services (auth → sessions, tokens, projects, ssh-keys → users → audit;
 * notifications → tokens; housekeeping → projects) → identity → lib; stores, caches and the mailer
 * (storage, cache, mail) implement interfaces the services declare and are
 * wired only by the composition root.
 */
const EDGES = '^src/(git-http|api|web|registry|ssh|http|cli)/';
const SERVICES = '^src/(identity|audit|auth|tokens|users|projects|sessions|ssh-keys|registry-tokens|setup|notifications|housekeeping)/';
const STORES = '^src/(storage|cache|mail)/';
const FRAMEWORKS = '^node_modules/(express|ssh2|ioredis|kysely|pg|better-sqlite3|helmet|eta|csrf-csrf|cookie-parser|nodemailer)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules depend on each other one way only.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'lib-is-a-leaf',
      severity: 'error',
      comment: 'src/lib imports nothing else from src.',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/lib/' },
    },
    {
      name: 'edges-know-no-other-edge',
      severity: 'error',
      comment: 'An edge (git smart HTTP, SSH, API, web, registry, CLI) never imports another; what two share belongs below them (git, http, a service).',
      from: { path: '^src/(git-http|ssh|api|web|registry|cli)/' },
      to: { path: '^src/(git-http|ssh|api|web|registry|cli)/', pathNot: '^src/$1/' },
    },
    {
      name: 'git-backend-knows-no-edge-or-service',
      severity: 'error',
      comment: 'src/git runs git for both git edges; it knows only the vocabulary (identity) and lib.',
      from: { path: '^src/git/' },
      to: { path: '^src/', pathNot: '^src/(git|identity|lib)/' },
    },
    {
      name: 'identity-is-the-bottom',
      severity: 'error',
      comment: 'Principal, scopes and the authenticator contracts import no service: every service may import them.',
      from: { path: '^src/identity/' },
      to: { path: '^src/', pathNot: '^src/(identity|lib)/' },
    },
    {
      name: 'audit-is-below-every-service',
      severity: 'error',
      comment: 'Every service records audit events, so the audit log knows none of them: only the vocabulary (identity) and lib.',
      from: { path: '^src/audit/' },
      to: { path: '^src/', pathNot: '^src/(audit|identity|lib)/' },
    },
    {
      name: 'users-know-no-other-service',
      severity: 'error',
      comment: 'Accounts are the lowest entity service: what others cache about them is reached through users/account-caches.ts.',
      from: { path: '^src/users/' },
      to: { path: SERVICES, pathNot: '^src/(users|identity|audit)/' },
    },
    {
      name: 'entity-services-know-only-users',
      severity: 'error',
      comment: 'Tokens, projects, SSH keys and sessions build on accounts, never on each other or on authentication.',
      from: { path: '^src/(tokens|projects|ssh-keys|sessions)/' },
      to: { path: SERVICES, pathNot: '^src/($1|users|identity|audit)/' },
    },
    {
      name: 'notifications-know-tokens-and-users',
      severity: 'error',
      comment: 'E-mail to token owners builds on tokens and accounts; tokens reach it only through the RevocationNotifier they declare.',
      from: { path: '^src/notifications/' },
      to: { path: SERVICES, pathNot: '^src/(notifications|tokens|users|identity)/' },
    },
    {
      name: 'housekeeping-knows-projects',
      comment: 'Housekeeping keeps the repositories of projects; of the other services it uses only the lease contract of notifications.',
      severity: 'error',
      from: { path: '^src/housekeeping/' },
      to: { path: SERVICES, pathNot: ['^src/(housekeeping|projects|identity)/', '^src/notifications/lease\\.store\\.ts$'] },
    },
    {
      name: 'auth-knows-no-consumer',
      severity: 'error',
      comment: 'Authentication and authorization sit above the entity services and below what uses them.',
      from: { path: '^src/auth/' },
      to: { path: '^src/(sessions|registry-tokens|setup)/' },
    },
    {
      name: 'services-know-no-edges',
      severity: 'error',
      comment: 'Services never import an edge (HTTP, SSH, CLI).',
      from: { path: SERVICES },
      to: { path: EDGES },
    },
    {
      name: 'services-know-no-frameworks',
      severity: 'error',
      comment: 'Services never import Express, SSH, Redis, database or mail libraries.',
      from: { path: SERVICES },
      to: { path: FRAMEWORKS },
    },
    {
      name: 'only-the-root-wires-stores',
      severity: 'error',
      comment: 'Concrete stores, caches and the mailer are imported only by src/main.ts (and by each other).',
      from: { path: '^src/', pathNot: ['^src/main\\.ts$', STORES] },
      to: { path: STORES },
    },
    {
      name: 'stores-know-no-edges',
      severity: 'error',
      comment: 'Stores and caches implement service interfaces; they never reach up to an edge.',
      from: { path: STORES },
      to: { path: EDGES },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
    exclude: { path: '\\.test\\.ts$' },
  },
};
