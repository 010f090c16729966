/** A small argv parser: positionals, `--flag`, `--key value`, `--key=value`. */
export interface Args {
  _: string[];
  flags: Record<string, string | true>;
}

export function parseArgs(argv: string[], booleans: string[] = []): Args {
  const out: Args = { _: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out._.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) out.flags[a.slice(2, eq)] = a.slice(eq + 1);
      else if (booleans.includes(a.slice(2)) || i + 1 >= argv.length || argv[i + 1]!.startsWith('--'))
        out.flags[a.slice(2)] = true;
      else out.flags[a.slice(2)] = argv[++i]!;
    } else out._.push(a);
  }
  return out;
}

export function intFlag(v: string | true | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v === true || !Number.isInteger(n)) throw new UsageError(`--${name} takes an integer`);
  return n;
}

export class UsageError extends Error {}
