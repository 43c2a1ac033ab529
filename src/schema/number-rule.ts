/**
 * What a number accepts: a flag's value (commands/options.ts parseNumber) or a config field
 * (collect/config.ts), so that a flag and the field it sets keep one rule and one message.
 */
export interface NumberRule {
  /** Whole numbers only. */
  integer?: boolean;
  /** The smallest value accepted. */
  min?: number;
  /** The value must be above this one (seconds that must be > 0). */
  above?: number;
  /** The largest value accepted. */
  max?: number;
  /** The value must be below this one (a probability < 1). */
  below?: number;
}

/** "an integer >= 1", "a number in [0, 1)", "a number > 0". */
export function describeRule(rule: NumberRule): string {
  const kind = rule.integer ? "an integer" : "a number";
  const low =
    rule.above !== undefined
      ? { open: true, at: rule.above }
      : rule.min !== undefined
        ? { open: false, at: rule.min }
        : null;
  const high =
    rule.below !== undefined
      ? { open: true, at: rule.below }
      : rule.max !== undefined
        ? { open: false, at: rule.max }
        : null;
  if (low && high) return `${kind} in ${low.open ? "(" : "["}${low.at}, ${high.at}${high.open ? ")" : "]"}`;
  if (low) return `${kind} ${low.open ? ">" : ">="} ${low.at}`;
  if (high) return `${kind} ${high.open ? "<" : "<="} ${high.at}`;
  return kind;
}

/** Whether `n` keeps the rule (finite, whole when asked, within the bounds). */
export function meetsRule(n: number, rule: NumberRule): boolean {
  return (
    Number.isFinite(n) &&
    (!rule.integer || Number.isInteger(n)) &&
    (rule.min === undefined || n >= rule.min) &&
    (rule.above === undefined || n > rule.above) &&
    (rule.max === undefined || n <= rule.max) &&
    (rule.below === undefined || n < rule.below)
  );
}
