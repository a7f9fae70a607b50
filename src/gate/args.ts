/** Command-line flags of the gate. Secrets are never flags: the Redis password comes from REDIS_PASSWORD only. */
import { PROFILE_NAMES, type ProfileName, TARGET_KINDS, type TargetKind } from '../../acceptance/target/index.ts';

export interface GateArgs {
  help: boolean;
  target?: TargetKind;
  /** Key scheme of the target (plan = FastNPC's keys, reference = ours); default per target kind. */
  profile?: ProfileName;
  baseUrl?: string;
  worker1Url?: string;
  worker2Url?: string;
  redisUrl?: string;
  databaseUrl?: string;
  /** Where gate.json, junit.xml and gate.html go. @default 'reports' */
  reportsDir: string;
  /** Skip the k6 step even when k6 is installed. */
  skipLoad: boolean;
  /** Only these acceptance files (vitest filters), e.g. "03" or "regressions". */
  filters: string[];
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: npm start -- [options]      (same as: npm run gate -- [options])

Proves the Redis cache of FastNPC: config audit -> acceptance suites (nine criteria + regressions) -> short k6 load
run when k6 is installed -> one verdict table. Writes reports/gate.json, reports/junit.xml, reports/gate.html.
Exit 0 only when every criterion passes; 1 when one fails; 2 on a usage error.

Options:
  --target <local|containers|external|auto>  where to run (default: ACCEPTANCE_TARGET or local)
  --profile <plan|reference>  key scheme observed in Redis (ACCEPTANCE_PROFILE): plan = FastNPC's real keys
                         (default for external), reference = this project's service (default otherwise)
  --base-url <url>       external: the app's URL (BASE_URL)
  --worker1-url <url>    external: worker 1's own URL, where exposed (WORKER1_URL)
  --worker2-url <url>    external: worker 2's own URL, where exposed (WORKER2_URL)
  --redis-url <url>      external: Redis, e.g. redis://10.0.0.5:6379 (REDIS_URL); password via REDIS_PASSWORD only
  --database-url <url>   external, optional: PostgreSQL for statement counts (DATABASE_URL)
  --reports-dir <dir>    where to write the reports (default: reports)
  --only <filter>        run only acceptance files matching (repeatable), e.g. --only 03 --only regressions
  --skip-load            do not run k6 even when installed
  -h, --help             this text

Environment: ACCEPTANCE_TARGET, ACCEPTANCE_PROFILE, FASTNPC_EMULATE_DEFECTS (local: the reference service emulates
those FastNPC defects), BASE_URL, WORKER1_URL, WORKER2_URL, REDIS_URL, REDIS_PASSWORD, DATABASE_URL,
FASTNPC_ADMIN_USER / FASTNPC_ADMIN_PASSWORD (external admin), ACCEPTANCE_USERS_FILE (external seeded users).`;

const VALUE_FLAGS: Record<string, keyof GateArgs> = {
  '--target': 'target',
  '--profile': 'profile',
  '--base-url': 'baseUrl',
  '--worker1-url': 'worker1Url',
  '--worker2-url': 'worker2Url',
  '--redis-url': 'redisUrl',
  '--database-url': 'databaseUrl',
  '--reports-dir': 'reportsDir',
};

function checkUrl(flag: string, value: string, protocols: string[]): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag}: not a URL: ${value}`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new UsageError(`${flag}: expected ${protocols.join(' or ')} URL, got ${url.protocol}`);
  }
  if (flag === '--redis-url' && url.password) {
    throw new UsageError(
      '--redis-url must not carry a password: pass it through the REDIS_PASSWORD environment variable',
    );
  }
}

export function parseArgs(argv: readonly string[]): GateArgs {
  const args: GateArgs = { help: false, reportsDir: 'reports', skipLoad: false, filters: [] };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] as string;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      i++;
      return next;
    };
    if (flag === '-h' || flag === '--help') {
      args.help = true;
    } else if (flag === '--skip-load') {
      args.skipLoad = true;
    } else if (flag === '--only') {
      args.filters.push(takeValue());
    } else if (flag === '--redis-password' || flag === '--password') {
      throw new UsageError(`${flag} is not accepted: secrets never go on the command line; set REDIS_PASSWORD`);
    } else if (flag in VALUE_FLAGS) {
      const key = VALUE_FLAGS[flag] as keyof GateArgs;
      const value = takeValue();
      if (key === 'target') {
        if (!(TARGET_KINDS as readonly string[]).includes(value)) {
          throw new UsageError(`--target must be one of ${TARGET_KINDS.join(', ')}, got "${value}"`);
        }
        args.target = value as TargetKind;
      } else if (key === 'profile') {
        if (!(PROFILE_NAMES as readonly string[]).includes(value)) {
          throw new UsageError(`--profile must be one of ${PROFILE_NAMES.join(', ')}, got "${value}"`);
        }
        args.profile = value as ProfileName;
      } else {
        if (key === 'redisUrl') checkUrl(flag, value, ['redis:', 'rediss:']);
        else if (key === 'databaseUrl') checkUrl(flag, value, ['postgres:', 'postgresql:']);
        else if (key !== 'reportsDir') checkUrl(flag, value, ['http:', 'https:']);
        (args as unknown as Record<string, string>)[key] = value;
      }
    } else {
      throw new UsageError(`unknown option: ${raw} (see --help)`);
    }
  }
  const externalFlags = args.baseUrl || args.redisUrl || args.worker1Url || args.worker2Url || args.databaseUrl;
  if (externalFlags && args.target && args.target !== 'external') {
    throw new UsageError(
      `--base-url/--redis-url/--worker*-url/--database-url belong to --target external, not ${args.target}`,
    );
  }
  if (externalFlags && !args.target) args.target = 'external';
  return args;
}

/** Turns flags into the environment the target switch and the suites read (flags win over the environment). */
export function applyToEnv(args: GateArgs, env: NodeJS.ProcessEnv = process.env): void {
  if (args.target) env.ACCEPTANCE_TARGET = args.target;
  if (args.profile) env.ACCEPTANCE_PROFILE = args.profile;
  if (args.baseUrl) env.BASE_URL = args.baseUrl;
  if (args.worker1Url) env.WORKER1_URL = args.worker1Url;
  if (args.worker2Url) env.WORKER2_URL = args.worker2Url;
  if (args.redisUrl) env.REDIS_URL = args.redisUrl;
  if (args.databaseUrl) env.DATABASE_URL = args.databaseUrl;
}
