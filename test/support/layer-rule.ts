/**
 * The layers of lib/, ranked by who runs the code (docs: issue 10). Code imports only downward: a rank
 * runs without anything above it (the Lambda bundle holds runtime alone; the operator tools hold everything).
 */
export const LAYER_RANKS = { runtime: 0, mapping: 1, data: 2, local: 3, tools: 4 } as const;

export type LibLayer = keyof typeof LAYER_RANKS;
/** functions/ holds the Lambda entry points; `outside` is anything else (test/, bench/, lib/ outside a layer). */
export type Layer = LibLayer | 'functions' | 'outside';

/** Which layer a path relative to the repository root (with `/`) belongs to. */
export function layerOf(path: string): Layer {
  const [top, second] = path.split('/');
  if (top === 'functions') return 'functions';
  if (top === 'lib' && second !== undefined && Object.hasOwn(LAYER_RANKS, second)) return second as LibLayer;
  return 'outside';
}

/** Why `from` may not import `to`, or undefined when it may. */
export function layerViolation(from: Layer, to: Layer): string | undefined {
  if (from === 'outside') return undefined;
  if (to === 'outside') return 'imports code outside the layers of lib/';
  if (from === 'functions') return to === 'runtime' ? undefined : 'a function may import only lib/runtime/ (it ships in the bundle)';
  if (to === 'functions') return 'imports a Lambda entry point';
  if (from === to) return undefined;
  if (LAYER_RANKS[to] > LAYER_RANKS[from]) return `imports a higher layer (${from} ${LAYER_RANKS[from]} < ${to} ${LAYER_RANKS[to]})`;
  return undefined;
}
