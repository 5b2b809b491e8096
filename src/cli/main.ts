import { Command, CommanderError, Option } from 'commander';
import { buildCompletionCommand } from './completion/command.js';
import { reportError } from './errors-handler.js';
import { buildInitCommand } from './init.js';
import { buildModelDeployerCommand } from './model-deployer.js';
import { buildStackCommand } from './stack.js';
import { VERSION } from './version.js';

/** The root `zenml` program with every command group; `json` silences commander's own error text. */
export function buildProgram(json = false): Command {
  const program = new Command('zenml')
    .description('Manage model deployers: put trained models behind HTTP endpoints and keep track of every model server')
    .version(VERSION, '-V, --version')
    .option('--config <path>', 'use this dotfile instead of searching for one (also ZENML_CONFIG)')
    .option('--json', 'print machine-readable JSON on stdout (errors too)')
    .option('-q, --quiet', 'print only ids (listings) and nothing on stderr')
    .option('--verbose', 'print stack traces with errors')
    .addOption(new Option('--no-color', 'disable colours (also NO_COLOR)'))
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false });
  program.addCommand(buildInitCommand());
  program.addCommand(buildModelDeployerCommand());
  program.addCommand(buildStackCommand());
  program.addCommand(buildCompletionCommand());
  applyExitOverride(program, json);
  return program;
}

function applyExitOverride(command: Command, json: boolean): void {
  command.exitOverride();
  command.configureOutput({
    // With --json, commander's own messages would corrupt stdout's JSON; we print the error ourselves.
    writeErr: (text) => {
      if (!json) process.stderr.write(text);
    },
    outputError: (text, write) => write(text),
  });
  for (const sub of command.commands) applyExitOverride(sub, json);
}

/** Run the CLI; resolves to the exit code. The only place that prints errors. */
export async function main(argv: string[] = process.argv): Promise<number> {
  // The completion scripts' hidden command: partial lines are not for commander to judge.
  if (argv[2] === '__complete') return (await import('./completion/run-complete.js')).runComplete(buildProgram(), argv.slice(3));
  const json = argv.includes('--json');
  const program = buildProgram(json);
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      if (!json) return error.exitCode === 0 ? 0 : 2; // commander already printed the message
    }
    return reportError(error, { json, verbose });
  }
}
