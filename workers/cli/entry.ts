/**
 * The `gantry` command's entry (bin/gantry.mjs). `gantry agent` runs from its own small module; every
 * other command, help and --version go through the full command table. An agent thus never loads the
 * controller's modules or the AWS SDK's clients it does not use (about 40 MiB of an idle agent's memory).
 */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'agent' && !rest.includes('--help') && !rest.includes('-h')) return (await import('./agent-command.js')).agentCommand(rest);
  return (await import('./main.js')).main(argv);
}
