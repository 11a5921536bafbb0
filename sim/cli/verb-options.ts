/** The options that only one verb takes (check, faults, sweep, gen, rank, compare, view); the table is ./options.ts. */
import { toggle, value } from './option-table.js';
import * as parse from './parsers.js';

export const VERB_OPTIONS = {
  // sim check.
  repeat: value({
    flags: '--repeat <k>',
    help: 'runs per case (races show up only sometimes)',
    parse: parse.wholeNumber(1, 100_000),
    default: 1,
    bad: ['--repeat', '0'],
  }),
  exec: value({
    flags: '--exec <command>',
    help: "check this command instead, run in a fresh folder holding the case's in*.txt; {ranks}, {dir} and {port} (a free TCP port) are replaced, ./paths are found where sim check started",
    parse: parse.nonEmpty('a command'),
    bad: ['--exec', ' '],
  }),
  timeout: value({
    flags: '--timeout <seconds>',
    help: 'with --exec: kill a run (its whole process group) after this long',
    parse: parse.seconds,
    default: 20,
    bad: ['--timeout', '0'],
  }),
  compareBuiltin: toggle({
    flags: '--compare-builtin',
    help: "with --exec: also run swarmsim's own implementation, and show both side by side",
    bad: ['--compare-builtin'],
  }),
  keepFailures: value({
    flags: '--keep-failures <dir>',
    help: "keep each failing run's folder here (outputs, report/, and a command's stdout.txt/stderr.txt)",
    parse: parse.nonEmpty('a folder'),
    bad: ['--keep-failures', '/proc/nope'],
  }),
  junit: value({
    flags: '--junit <file>',
    help: 'also write JUnit XML here',
    parse: parse.nonEmpty('a file'),
    bad: ['--junit', '/proc/nope/junit.xml'],
  }),
  golden: toggle({
    flags: '--golden',
    help: "with --transport virtual: also compare each case's load figures with its golden-<strategy>-seed<seed>.json",
    bad: ['--golden'],
  }),
  update: toggle({ flags: '--update', help: 'with --golden: rewrite the golden files instead of comparing', bad: ['--update'] }),

  // sim faults and sim sweep.
  random: value({
    flags: '--random <n>',
    help: 'instead of the matrix, n plans drawn from --seed: one or two kills or restarts at random points, lossy links and slow ranks, random trackers (and strategy, unless --strategy names it)',
    parse: parse.wholeNumber(1),
    bad: ['--random', '0'],
  }),
  seeds: value({
    flags: '--seeds <list>',
    help: 'seeds: 1..20, 3,5,8, or both',
    parse: parse.seedList,
    default: parse.seedList('1..10'),
    defaultText: '1..10',
    bad: ['--seeds', '9..1'],
  }),
  launcher: value({
    flags: '--launcher <name>',
    help: 'slurm: write the sweep as a Slurm array job (a task per strategy and seed) and a job that merges their results into the report, instead of running it here',
    parse: parse.oneOf(['slurm'] as const),
    bad: ['--launcher', 'pbs'],
  }),
  submit: toggle({
    flags: '--submit',
    help: 'with --launcher slurm: also submit both jobs with sbatch',
    bad: ['--submit'],
  }),
  task: value({
    flags: '--task <k>',
    help: "run only the sweep's k-th (strategy, seed) pair and keep its result for --merge (what a Slurm array task runs)",
    parse: parse.wholeNumber(0),
    bad: ['--task', 'first'],
  }),
  merge: toggle({
    flags: '--merge',
    help: "write the sweep's report from the results its array tasks left (what the Slurm merge job runs)",
    bad: ['--merge'],
  }),

  // sim gen.
  files: value({ flags: '--files <f>', help: 'number of files', parse: parse.wholeNumber(1), bad: ['--files', '0'] }),
  segments: value({
    flags: '--segments <s>',
    help: 'segments per file: S, or MIN-MAX for a count drawn per file',
    parse: parse.segmentRange,
    bad: ['--segments', '5-1'],
  }),
  seeders: value({ flags: '--seeders <k>', help: 'owners of each file', parse: parse.wholeNumber(1), default: 1, bad: ['--seeders', '0'] }),
  wants: value({
    flags: '--wants <w>',
    help: 'files each client wants, at most',
    parse: parse.wholeNumber(0),
    default: 2,
    bad: ['--wants', 'x'],
  }),
  assignmentLimits: toggle({
    flags: '--assignment-limits',
    help: "refuse sizes beyond the original assignment's (10 files, 100 segments, names of 15 characters)",
    bad: ['--assignment-limits', '--segments', '1-200'],
  }),
  suite: toggle({
    flags: '--suite',
    help: 'write --count varied cases (tiny files, every file index to 10, one seed, many seeds, idle clients, maximum sizes), all within the assignment limits',
    bad: ['--suite'],
  }),
  count: value({
    flags: '--count <n>',
    help: 'cases in a --suite',
    parse: parse.wholeNumber(1, 100_000),
    default: 12,
    bad: ['--count', '0'],
  }),
  force: toggle({
    flags: '--force',
    help: 'write into a folder that already holds files, replacing the case there (its in*.txt and out*.txt go first)',
    bad: ['--force=yes'],
  }),

  // sim rank.
  rank: value({
    flags: '--rank <r>',
    help: 'this rank, or with --ranks this process (default: from OMPI_COMM_WORLD_RANK, PMI_RANK, PMIX_RANK, SLURM_PROCID or RANK)',
    parse: parse.wholeNumber(0),
    bad: ['--rank', '-1'],
  }),
  size: value({
    flags: '--size <n>',
    help: 'ranks in the job, or with --ranks processes (default: from OMPI_COMM_WORLD_SIZE, PMI_SIZE, SLURM_NTASKS or WORLD_SIZE)',
    parse: parse.wholeNumber(1),
    bad: ['--size', '0'],
  }),
  hosted: value({
    flags: '--hosted <ranks>',
    help: 'the client ranks this process hosts, as 1-15,17 (set by sim run --transport tcp --processes)',
    parse: parse.rankList,
    bad: ['--hosted', '3-1'],
  }),
  coordinate: toggle({
    flags: '--coordinate',
    help: 'host no rank: only coordinate the job at --coordinator (take registrations, write, check and report every output), with --tracker-state, under which every rank, 0 included, is a process apart from it: rank 0 can then be killed and started again by hand',
    bad: ['--coordinate=yes'],
  }),
  coordinator: value({
    flags: '--coordinator <host:port>',
    help: "rank 0's address (default: MASTER_ADDR and MASTER_PORT)",
    parse: parse.address,
    bad: ['--coordinator', 'nohost'],
  }),
  bind: value({
    flags: '--bind <addr>',
    help: 'the local address to listen on and be reached at (default: the one that reaches rank 0)',
    parse: parse.bindAddress,
    bad: ['--bind', 'not an address'],
  }),
  jobKeyFile: value({
    flags: '--job-key-file <file>',
    help: 'file holding the job key (default: the SIM_JOB_KEY variable)',
    parse: parse.readableFile,
    bad: ['--job-key-file', '/nonexistent/key'],
  }),
  tlsCert: value({
    flags: '--tls-cert <file>',
    help: "this host's certificate (PEM), for a site with its own CA: links use it instead of the job key's TLS PSK; with --tls-key and --tls-ca",
    parse: parse.readableFile,
    bad: ['--tls-cert', '/nonexistent/cert.pem'],
  }),
  tlsKey: value({
    flags: '--tls-key <file>',
    help: "the private key of --tls-cert's certificate (PEM)",
    parse: parse.readableFile,
    bad: ['--tls-key', '/nonexistent/key.pem'],
  }),
  tlsCa: value({
    flags: '--tls-ca <file>',
    help: "the site's CA certificate(s) (PEM): a rank takes another's certificate only if this signed it",
    parse: parse.readableFile,
    bad: ['--tls-ca', '/nonexistent/ca.pem'],
  }),
  connectTimeout: value({
    flags: '--connect-timeout <seconds>',
    help: 'how long ranks wait for one another to start and register',
    parse: parse.seconds,
    default: 30,
    bad: ['--connect-timeout', '0'],
  }),

  // sim compare.
  labels: value({
    flags: '--labels <names>',
    help: 'comma-separated labels, one per run (default: strategy, or folder name when strategies repeat)',
    parse: parse.labelList,
    bad: ['--labels', 'a,,b'],
  }),

  // sim view.
  replayTrace: value({
    flags: '--trace <file>',
    help: 'the trace to replay, as sim run --trace wrote it (default: <run-dir>/trace.jsonl)',
    parse: parse.nonEmpty('a file'),
    bad: ['--trace', '/proc/nope/trace.jsonl'],
  }),
  replayOut: value({
    flags: '--out <file>',
    help: 'where to write the page (default: <run-dir>/replay.html)',
    parse: parse.nonEmpty('a file'),
    bad: ['--out', '/proc/nope/replay.html'],
  }),
};
