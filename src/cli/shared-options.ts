import { Command, Option } from 'commander';

/** Accumulate a repeatable option. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `--deployer`, shared by every command that talks to model servers. */
export function deployerOption(): Option {
  return new Option('--deployer <name>', "model deployer component to use (default: the active stack's)");
}

/** `-t/--timeout`, in seconds, as ZenML's CLI takes it. */
export function timeoutOption(): Option {
  return new Option('-t, --timeout <seconds>', 'seconds to wait (0: return right after asking)').default('300');
}

/** The filters of `find` and `models list`. */
export function addFindOptions(command: Command): Command {
  return command
    .option('--uuid <uuid>', 'a service uuid or unique prefix')
    .option('-p, --pipeline-name <name>', 'pipeline name')
    .option('-r, --pipeline-run-id <id>', 'pipeline run id')
    .option('-s, --pipeline-step-name <name>', 'pipeline step name')
    .option('-m, --model-name <name>', 'model name')
    .option('--model-uri <uri>', 'model URI')
    .option('--model-type <type>', 'model type')
    .option('--running', 'only running servers')
    .option('--all', "also servers other components made (and unlabelled ones), where they share a cluster namespace; adds `owner`")
    .addOption(deployerOption());
}
