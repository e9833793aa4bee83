/**
 * Typing at a terminal: runs a command on a pseudo-terminal (util-linux
 * `script`) and types each answer once its prompt has appeared, so it
 * arrives after the command turned echo off.
 */
import { spawn } from 'node:child_process';

/** Runs `bin args` on a pseudo-terminal, answering each `Password` prompt in turn; resolves to its status and all it printed. */
export function typeAtTerminal(
  bin: string,
  args: string[],
  answers: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  const command = [bin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let prompts = 0;
  const onOutput = (d: Buffer): void => {
    output += d.toString();
    const seen = output.split('Password').length - 1;
    while (prompts < seen && prompts < answers.length) child.stdin.write(`${answers[prompts++]}\r`);
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
