/**
 * The command line's parser: Node's util.parseArgs in strict mode, with each
 * command's own options. Its errors are rewritten into one line that names the
 * option and the nearest valid one ("did you mean --steps?"), so a typo is a
 * usage error (exit 2), never a silently ignored flag.
 */
import { parseArgs as nodeParseArgs } from 'node:util';
import { nearestName } from '../engine/declarationSchema';

export interface Args {
  _: string[];
  flags: Record<string, string | true>;
}

/** A command's options: a switch takes no value, a value option takes one. */
export type OptionSpec = Record<string, 'switch' | 'value'>;

export interface CommandSpec {
  /** How many positionals follow the command name (the experiment file), at most. */
  positionals: number;
  options: OptionSpec;
}

/** Parses `argv` (the command name first) against the command's spec. */
/** util.parseArgs's option config for a spec. */
function nodeOptions(spec: CommandSpec) {
  return Object.fromEntries(
    Object.entries(spec.options).map(([k, kind]) => [k, { type: kind === 'switch' ? 'boolean' : 'string' }] as const),
  );
}

export function parseArgs(command: string, argv: string[], spec: CommandSpec): Args {
  const options = nodeOptions(spec);
  let parsed: ReturnType<typeof nodeParseArgs>;
  try {
    parsed = nodeParseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(explain(command, argv, spec, e as Error));
  }
  if (parsed.positionals.length > spec.positionals + 1)
    throw new UsageError(
      `'${command}' takes ${spec.positionals ? 'one experiment file' : 'no file'}; unexpected '${parsed.positionals[spec.positionals + 1]}'`,
    );
  const flags: Record<string, string | true> = {};
  for (const [k, v] of Object.entries(parsed.values)) if (typeof v === 'string' || v === true) flags[k] = v;
  return { _: parsed.positionals, flags };
}

/** util.parseArgs's error, said of the option at fault, with the nearest valid name. */
function explain(command: string, argv: string[], spec: CommandSpec, e: Error): string {
  const code = (e as { code?: string }).code;
  // Re-read leniently to find which token failed; the strict pass only says that one did.
  // The known options keep their types, so `--run DIR` before an unknown option still reads DIR as its value.
  const { tokens } = nodeParseArgs({
    args: argv,
    options: nodeOptions(spec),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const kind = spec.options[t.name];
    if (!kind) {
      const near = nearestName(t.name, Object.keys(spec.options));
      return (
        `unknown option '${t.rawName}' for '${command}'` +
        (near ? `; did you mean --${near}?` : `; '${command}' takes ${optionList(spec.options)}`)
      );
    }
    if (kind === 'value' && t.value === undefined) return `--${t.name} takes a value: --${t.name} VALUE`;
    if (kind === 'switch' && t.inlineValue) return `--${t.name} takes no value (remove '=${t.value}')`;
  }
  return `${e.message.split('\n')[0]}${code ? ` (${code})` : ''}`;
}

function optionList(options: OptionSpec): string {
  const names = Object.keys(options);
  return names.length ? names.map((n) => `--${n}`).join(', ') : 'no options';
}

export function intFlag(v: string | true | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v === true || v.trim() === '' || !Number.isInteger(n)) throw new UsageError(`--${name} takes an integer`);
  return n;
}

export class UsageError extends Error {}
