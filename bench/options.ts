/** The bench's flags and the run sizes they select. */
import { parseArgs } from 'node:util';

/** The figures the bench can measure, in the order it measures them. */
export const SECTIONS = ['cli', 'deploy', 'throughput', 'scale', 'seldon', 'cluster'] as const;
/** One figure group. */
export type Section = (typeof SECTIONS)[number];

/** Resolved run sizes. */
export interface BenchOptions {
  peers: boolean;
  quick: boolean;
  sections: Section[];
  /** Runs of each CLI start command. */
  cliRuns: number;
  /** Deploy → first prediction runs per server kind. */
  deployRuns: number;
  /** Seconds of load per throughput point. */
  duration: number;
  /** Load runs per throughput point (median over them). */
  repeats: number;
  connections: number[];
  /** Seconds of sequential session.run per in-process window. */
  ortSeconds: number;
  /** Registered services for the `find` figure. */
  serviceCounts: number[];
  findRuns: number;
  /** SeldonDeployments in the API server for the `seldon` figure. */
  seldonDeployments: number;
  /** Models deployed in a row for the scale figure. */
  deploysInARow: number;
  /** Keep the temp project (for inspection) instead of deleting it. */
  keep: boolean;
  /** Where the JSON goes (default bench/results/<date>.json). */
  out?: string;
  /** Record CPU profiles instead of the figures (bench/profile.ts). */
  profile: boolean;
}

const HELP = `npm run bench -- [options]

  --peers           also measure the Python peers (ZenML CLI, mlflow models serve, MLServer, KServe);
                    builds their virtual environments on first use (bench/python-env.sh)
  --quick           a smoke run: fewer runs, 2 s load points, 1,000 services only
  --duration <s>    seconds of load per throughput point (default 10; --quick 2)
  --repeats <n>     load runs per throughput point (default 3; --quick 1)
  --only <list>     comma-separated subset of: ${SECTIONS.join(', ')}
                    (seldon and cluster are skipped, with the reason, without the binaries of .ci/k8s-env.sh;
                    cluster: deploy → active on the real Seldon operator and KServe manager, per flavor)
  --out <file>      write the JSON here instead of bench/results/<date>[-peers][-quick].json
  --keep            keep the temporary project directory
  --profile         record CPU profiles (CLI start, find over 10,000 services, server under load) and the
                    start-time experiments instead of the figures; with --quick, 1,000 services
  -h, --help        this text`;

/** Parse `argv` (without node and the script); prints help and exits on -h. */
export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      peers: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      repeats: { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const sections = values.only ? values.only.split(',').map((s) => s.trim()) : [...SECTIONS];
  for (const s of sections) {
    if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section '${s}' (one of ${SECTIONS.join(', ')})`);
  }
  return {
    peers: values.peers ?? false,
    quick,
    sections: sections as Section[],
    cliRuns: quick ? 5 : 20,
    deployRuns: quick ? 2 : 5,
    duration: positive('--duration', values.duration, quick ? 2 : 10),
    repeats: Math.round(positive('--repeats', values.repeats, quick ? 1 : 3)),
    connections: [1, 8, 32],
    ortSeconds: quick ? 1 : 5,
    serviceCounts: quick ? [1000] : [1000, 10000],
    findRuns: quick ? 3 : 5,
    seldonDeployments: 1000,
    deploysInARow: quick ? 5 : 20,
    keep: values.keep ?? false,
    out: values.out,
    profile: values.profile ?? false,
  };
}

function positive(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag}: expected a positive number, got '${raw}'`);
  return n;
}
