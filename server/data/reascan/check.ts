/**
 * `iit-studio data reascan FILE --check`: re-derive every example's actions from its situation, verb and adverb
 * with the simulator and count how many agree with the file's `target_commands`.
 */
import { reascanExamples, type ReascanExample } from './format';
import { simulate } from './simulator';

export interface ReascanDisagreement {
  split: string;
  /** 0-based index in the split's list. */
  index: number;
  /** As the file writes it: words joined by commas. */
  command: string;
  /** The file's actions, joined by commas. */
  given: string;
  /** The simulator's actions joined by commas, or why it could not run ("error: …"). */
  computed: string;
}

export interface ReascanCheck {
  total: number;
  agree: number;
  /** The first `MAX_DISAGREEMENTS`, in file order. */
  disagreements: ReascanDisagreement[];
  /** Per split, in file order. */
  bySplit: Record<string, { total: number; agree: number }>;
}

export const MAX_DISAGREEMENTS = 10;

/** The simulator's actions for an example, joined by commas, or "error: …". */
export function recomputeActions(e: ReascanExample): string {
  const target = e.situation.target;
  if (!target) return 'error: the situation has no target_object';
  try {
    return simulate(e.situation, target.position, e.verb, e.adverb).join(',');
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

/** Check every example of a data file; throws `DataError` when the file cannot be read. */
export function checkReascanFile(file: string): ReascanCheck {
  const result: ReascanCheck = { total: 0, agree: 0, disagreements: [], bySplit: {} };
  for (const { split, index, example } of reascanExamples(file)) {
    const counts = (result.bySplit[split] ??= { total: 0, agree: 0 });
    const given = example.targetCommands.join(',');
    const computed = recomputeActions(example);
    result.total++;
    counts.total++;
    if (computed === given) {
      result.agree++;
      counts.agree++;
    } else if (result.disagreements.length < MAX_DISAGREEMENTS) {
      result.disagreements.push({ split, index, command: example.command.join(','), given, computed });
    }
  }
  return result;
}
