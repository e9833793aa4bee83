/**
 * The architecture of STYLE.md, checked on every `npm test`:
 * main → app → edges (git-http, api, web, registry, ssh, http, cli) → services
 * (auth, tokens, users, projects, sessions, ssh-keys) → identity → lib; stores and caches
 * (storage, cache) implement interfaces the services declare and are wired
 * only by the composition root.
 */
const EDGES = '^src/(git-http|api|web|registry|ssh|http|cli)/';
const SERVICES = '^src/(identity|auth|tokens|users|projects|sessions|ssh-keys|setup)/';
const STORES = '^src/(storage|cache)/';
const FRAMEWORKS = '^node_modules/(express|ssh2|ioredis|kysely|pg|better-sqlite3|helmet|eta|csrf-csrf|cookie-parser)/';

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
      name: 'services-know-no-edges',
      severity: 'error',
      comment: 'Services never import an edge (HTTP, SSH, CLI).',
      from: { path: SERVICES },
      to: { path: EDGES },
    },
    {
      name: 'services-know-no-frameworks',
      severity: 'error',
      comment: 'Services never import Express, SSH, Redis or database libraries.',
      from: { path: SERVICES },
      to: { path: FRAMEWORKS },
    },
    {
      name: 'only-the-root-wires-stores',
      severity: 'error',
      comment: 'Concrete stores and caches are imported only by src/main.ts (and by each other).',
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
