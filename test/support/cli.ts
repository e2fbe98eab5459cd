/** Run the CLI's `main` in process with captured streams and an environment of our own (no DOCKER_HOST leaks in). */
import { main } from '../../src/cli/main.js';
import type { CliIO, Command } from '../../src/cli/command.js';

export async function runCli(argv: string[], env: NodeJS.ProcessEnv = {}, table?: readonly Command[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    env: { PATH: process.env.PATH, ...env },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    isTTY: false,
  };
  const code = table ? await main(argv, io, table) : await main(argv, io);
  return { code, stdout, stderr };
}
