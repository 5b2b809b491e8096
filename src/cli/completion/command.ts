import { Argument, Command } from 'commander';
import { SHELLS } from './complete.js';

/** `zenml completion bash|zsh|fish`: print the shell's completion script. */
export function buildCompletionCommand(): Command {
  return new Command('completion')
    .description('print a shell completion script (see the README for how to install it)')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action(async (shell: (typeof SHELLS)[number]) => {
      const { completionScript } = await import('./scripts.js');
      process.stdout.write(completionScript(shell));
    });
}
