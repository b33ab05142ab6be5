/** The kinds of derived names with an AWS length limit. */
export type NameKind = 'function' | 'role' | 'queue' | 'table' | 'stack';

/** One derived name: what it is, the name itself, and where it comes from (for the message). */
export interface DerivedName {
  kind: NameKind;
  name: unknown;
  source: string;
}

export interface NameLimitViolation {
  kind: NameKind;
  name: string;
  source: string;
  max: number;
  message: string;
}

export const NAME_LIMITS: Readonly<Record<NameKind, { max: number; what: string }>>;

/** The derived names that exceed their limit, each with a message naming the limit and the way out. */
export function findNameLimitViolations(names: DerivedName[], stage: string): NameLimitViolation[];
