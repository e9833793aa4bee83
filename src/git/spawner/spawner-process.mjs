// @ts-check
/**
 * The git spawner helper: starts git on behalf of the gateway, so that the
 * gateway — large, and blocked by fork() for a time that grows with its
 * memory — never forks. Plain JavaScript on plain `node` (no tsx), node:
 * built-ins only, no application state: forking this small process costs a
 * fraction of a millisecond.
 *
 * Started by SpawnerHelper (spawner-helper.ts) with fork(), an explicit
 * minimal environment and `argv[2]`: the path of a Unix socket in a private
 * (0700) directory to listen on. The protocol is described in
 * spawner-protocol.ts. When the gateway says `stop`, when it disconnects
 * (it exited or crashed), or on a crash of its own, the helper kills the
 * process group of every git it started and exits.
 *
 * SIGTERM and SIGINT are ignored: they reach this process together with the
 * gateway when a whole process group is signalled (`kill -- -PGID`, Ctrl-C,
 * systemd's default KillMode=control-group), and the gateway then drains the
 * git operations in flight before it stops the helper. Exiting on them
 * would kill every clone and push mid-transfer.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** @typedef {import('./spawner-protocol.js').ToHelper} ToHelper */
/** @typedef {import('./spawner-protocol.js').FromHelper} FromHelper */
/** @typedef {import('./spawner-protocol.js').SpawnRequest} SpawnRequest */
/** @typedef {import('node:child_process').ChildProcess} ChildProcess */
/**
 * @typedef {object} Pending A run waiting for its request or its connections.
 * @property {SpawnRequest | null} request
 * @property {net.Socket | null} stdin
 * @property {net.Socket | null} stdout
 * @property {NodeJS.Timeout} timer
 */

const HEADER_BYTES = 37;
/** How long a run may wait for its request and connections before it is dropped. */
const ASSEMBLY_TIMEOUT_MS = 30_000;

const socketPath = process.argv[2];
if (!socketPath || !process.send) {
  process.stderr.write('spawner-process: start it with fork(script, [socketPath])\n');
  process.exit(2);
}

/** @type {Map<string, Pending>} */
const pending = new Map();
/** @type {Map<string, ChildProcess>} */
const running = new Map();
/** @type {Set<string>} Runs dropped before all their connections came: late ones are closed at once. */
const dropped = new Set();
const DROPPED_REMEMBERED = 1000;

/** @param {FromHelper} message */
function reply(message) {
  if (process.connected) process.send?.(message, undefined, undefined, () => undefined);
}

/**
 * Signals the group of a git that has not exited. Never after exit: the
 * group may be gone and its id reused.
 * @param {ChildProcess} child
 * @param {NodeJS.Signals} signal
 */
function signalGroup(child, signal) {
  if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is gone already; EINVAL: not a signal.
  }
}

/** @param {string} id */
function assembly(id) {
  let entry = pending.get(id);
  if (!entry) {
    entry = { request: null, stdin: null, stdout: null, timer: setTimeout(() => fail(id, 'timed out waiting for the gateway'), ASSEMBLY_TIMEOUT_MS) };
    pending.set(id, entry);
  }
  return entry;
}

/**
 * Drops a run that has not started and tells the gateway.
 * @param {string} id
 * @param {string} message
 */
function fail(id, message) {
  const entry = pending.get(id);
  if (!entry) return;
  drop(id, entry);
  reply({ type: 'error', id, message });
}

/**
 * @param {string} id
 * @param {Pending} entry
 */
function drop(id, entry) {
  pending.delete(id);
  dropped.add(id);
  for (const old of dropped) {
    if (dropped.size <= DROPPED_REMEMBERED) break;
    dropped.delete(old);
  }
  clearTimeout(entry.timer);
  entry.stdin?.destroy();
  entry.stdout?.destroy();
}

/**
 * Starts git when its request and every connection it needs are there.
 * @param {string} id
 * @param {Pending} entry
 */
function startWhenComplete(id, entry) {
  const { request, stdin, stdout } = entry;
  const toFile = request?.stdoutFile !== undefined;
  if (!request || (!stdout && !toFile) || (request.withStdin && !stdin)) return;
  pending.delete(id);
  clearTimeout(entry.timer);
  /** @type {ChildProcess} */
  let child;
  /** @type {number | null} */
  let outFd = null;
  try {
    // The gateway created the file in its private cache directory; never create, truncate or follow a link here.
    if (request.stdoutFile !== undefined) outFd = fs.openSync(request.stdoutFile, fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW);
    child = spawn(request.file, request.args, {
      cwd: request.cwd,
      env: request.env,
      // spawn() dup2()s the sockets' (or the file's) descriptors onto git's 0 and 1.
      stdio: [request.withStdin && stdin ? stdin : 'ignore', outFd ?? stdout ?? 'ignore', 'pipe'],
      // A process group of its own, so one signal also reaches git's children.
      detached: true,
    });
  } catch (err) {
    if (outFd !== null) fs.closeSync(outFd);
    drop(id, entry);
    reply({ type: 'error', id, ...errorFields(err) });
    return;
  }
  // git holds the sockets now. Close this copy with destroy(), never end():
  // a shutdown() would act on the socket git shares.
  stdin?.destroy();
  stdout?.destroy();
  if (outFd !== null) fs.closeSync(outFd);
  if (child.pid === undefined) {
    child.once('error', (err) => reply({ type: 'error', id, ...errorFields(err) }));
    return;
  }
  running.set(id, child);
  reply({ type: 'spawned', id, pid: child.pid });
  child.on('error', () => undefined);
  child.stderr?.on('data', (/** @type {Buffer} */ chunk) => reply({ type: 'stderr', id, data: chunk.toString('base64') }));
  // 'close', not 'exit': git's stderr is closed too, so every byte of it was sent before.
  child.once('close', (code, signal) => {
    running.delete(id);
    reply({ type: 'exit', id, code, signal });
  });
}

/** @param {unknown} err */
function errorFields(err) {
  const e = /** @type {{ message?: unknown, code?: unknown }} */ (err ?? {});
  return {
    message: typeof e.message === 'string' ? e.message : String(err),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
  };
}

/**
 * Reads a connection's header and files it under its run. The gateway
 * writes nothing after the header until `spawned`, so these reads take
 * nothing of git's input.
 * @param {net.Socket} socket
 */
function onConnection(socket) {
  socket.on('error', () => undefined);
  let header = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), ASSEMBLY_TIMEOUT_MS);
  socket.once('close', () => clearTimeout(timer));
  /** @param {Buffer} chunk */
  const onData = (chunk) => {
    header = Buffer.concat([header, chunk]);
    if (header.length < HEADER_BYTES) return;
    socket.off('data', onData);
    socket.pause();
    clearTimeout(timer);
    const id = header.toString('latin1', 0, HEADER_BYTES - 1);
    const role = header.toString('latin1', HEADER_BYTES - 1, HEADER_BYTES);
    if (header.length !== HEADER_BYTES || (role !== 'o' && role !== 'i') || dropped.has(id)) {
      socket.destroy();
      return;
    }
    const entry = assembly(id);
    const slot = role === 'o' ? 'stdout' : 'stdin';
    if (entry[slot]) {
      socket.destroy();
      return;
    }
    entry[slot] = socket;
    startWhenComplete(id, entry);
  };
  socket.on('data', onData);
}

/** @param {ToHelper} message */
function onMessage(message) {
  switch (message.type) {
    case 'spawn': {
      const entry = assembly(message.id);
      entry.request = message;
      startWhenComplete(message.id, entry);
      break;
    }
    case 'signal': {
      const child = running.get(message.id);
      if (child) signalGroup(child, message.signal);
      else if (pending.has(message.id)) {
        drop(message.id, /** @type {Pending} */ (pending.get(message.id)));
        reply({ type: 'exit', id: message.id, code: null, signal: message.signal });
      }
      break;
    }
    case 'cancel': {
      const child = running.get(message.id);
      if (child) signalGroup(child, 'SIGKILL');
      else fail(message.id, 'cancelled by the gateway');
      break;
    }
    case 'stop':
      process.exit(0);
  }
}

// allowHalfOpen: an EOF from the gateway must not make Node shut down the
// socket git shares (see above).
const server = net.createServer({ allowHalfOpen: true }, onConnection);
server.on('error', (err) => {
  process.stderr.write(`spawner-process: ${err.message}\n`);
  process.exit(1);
});
process.on('message', onMessage);
process.on('disconnect', () => process.exit(0));
// A group-wide signal is the gateway's to act on: it decides when git stops.
process.on('SIGTERM', () => undefined);
process.on('SIGINT', () => undefined);
process.on('exit', () => {
  for (const child of running.values()) signalGroup(child, 'SIGKILL');
  try {
    fs.rmSync(socketPath, { force: true });
    fs.rmdirSync(path.dirname(socketPath));
  } catch {
    // The gateway removes the directory when it sees this process gone.
  }
});
// A burst of requests must not find the queue full: connect() would fail with EAGAIN.
server.listen({ path: socketPath, backlog: 4096 }, () => reply({ type: 'ready' }));
