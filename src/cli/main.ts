import { Command, CommanderError, Option } from 'commander';
import { UsageError } from '../errors.js';
import { buildCompletionCommand } from './completion/command.js';
import { reportError } from './errors-handler.js';
import { buildInitCommand } from './init.js';
import { buildModelDeployerCommand } from './model-deployer.js';
import { buildStackCommand } from './stack.js';
import { VERSION } from './version.js';

/** The root `zenml` program with every command group; `json` keeps help text off stdout's JSON. */
export function buildProgram(json = false, state: ParseState = {}): Command {
  const program = new Command('zenml')
    .description('Manage model deployers: put trained models behind HTTP endpoints and keep track of every model server')
    .version(VERSION, '-V, --version')
    .option('--config <path>', 'use this dotfile instead of searching for one (also ZENML_CONFIG)')
    .option('--json', 'print machine-readable JSON on stdout (errors too)')
    .option('-q, --quiet', 'print only the ids of what the command lists, creates, changes or deletes (errors still on stderr)')
    .option('--verbose', 'print stack traces with errors')
    .addOption(new Option('--no-color', 'disable colours (also NO_COLOR)'))
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false });
  program.addCommand(buildInitCommand());
  program.addCommand(buildModelDeployerCommand());
  program.addCommand(buildStackCommand());
  program.addCommand(buildCompletionCommand());
  applyExitOverride(program, json, state);
  return program;
}

/** Which command commander's own error (missing option, unknown option, argument count) came from. */
interface ParseState {
  failed?: Command;
}

function applyExitOverride(command: Command, json: boolean, state: ParseState): void {
  command.exitOverride();
  command.configureOutput({
    // Help shown for a bare command group goes to stderr; with --json, stdout stays JSON-only.
    writeErr: (text) => {
      if (!json) process.stderr.write(text);
    },
    // Commander's error text is not printed as is: main() reports it like every other error.
    outputError: () => {
      state.failed = command;
    },
  });
  for (const sub of command.commands) applyExitOverride(sub, json, state);
}

/** The full name of a command, e.g. `zenml model-deployer deploy`. */
function commandPath(command: Command | undefined): string {
  const names: string[] = [];
  for (let c: Command | null | undefined = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ') || 'zenml';
}

/**
 * Commander's parse error as our UsageError: its first line is the message; its "(Did you mean …?)"
 * line and the command's --help become the hint.
 */
export function commanderUsageError(error: CommanderError, command?: Command): UsageError {
  const [first = '', ...rest] = error.message.split('\n');
  const didYouMean = rest.join(' ').match(/\((Did you mean [^)]*)\)/)?.[1];
  const help = `run '${commandPath(command)} --help' for usage`;
  return new UsageError(first.replace(/^error: /, '').replace(/\.$/, ''), {
    code: 'USAGE',
    suggestion: didYouMean ? `${didYouMean.replace(/^Did/, 'did')} (${help})` : help,
  });
}

/** Run the CLI; resolves to the exit code. The only place that prints errors. */
export async function main(argv: string[] = process.argv): Promise<number> {
  // The completion scripts' hidden command: partial lines are not for commander to judge.
  if (argv[2] === '__complete') return (await import('./completion/run-complete.js')).runComplete(buildProgram(), argv.slice(3));
  const json = argv.includes('--json');
  const state: ParseState = {};
  const program = buildProgram(json, state);
  // A bare `zenml` asks for help, as `kubectl` does: the help on stdout, exit 0 (commander would write it to stderr).
  if (argv.length <= 2) {
    process.stdout.write(program.helpInformation());
    return 0;
  }
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return reportError(commanderUsageError(error, state.failed), { json, verbose });
    }
    return reportError(error, { json, verbose });
  }
}
