/** A seeded pseudo-random source (mulberry32): the same seed gives the same events on every machine. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  pick<T>(values: readonly T[]): T;
  /** True with probability p. */
  chance(p: number): boolean;
  /** `length` lowercase letters and digits. */
  text(length: number): string;
  hex(length: number): string;
  /** Shuffles a copy of `values` (Fisher–Yates). */
  shuffle<T>(values: readonly T[]): T[];
}

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const random: Random = {
    next,
    int,
    pick: (values) => values[Math.floor(next() * values.length)]!,
    chance: (p) => next() < p,
    text: (length) => {
      let out = '';
      for (let i = 0; i < length; i++) out += ALPHANUMERIC[Math.floor(next() * ALPHANUMERIC.length)];
      return out;
    },
    hex: (length) => {
      let out = '';
      for (let i = 0; i < length; i++) out += Math.floor(next() * 16).toString(16);
      return out;
    },
    shuffle: (values) => {
      const out = values.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
  return random;
}
