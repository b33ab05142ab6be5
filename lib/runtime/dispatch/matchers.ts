import type { Change, EventName, Item } from '../change/types.js';

/** A predicate on changes, for an action's `match`. */
export type Matcher<T extends Item = Item, K extends Item = Item> = (change: Change<T, K>) => boolean;

/** Matches changes with one of the given event names. */
export const onEvents =
  (...names: EventName[]): Matcher =>
  (change) =>
    names.includes(change.eventName);

/** Matches REMOVEs made by DynamoDB's TTL process. */
export const onTtlExpiry: Matcher = (change) => change.isTtlExpiry;

/** Matches every change except TTL expiries. */
export const notTtlExpiry: Matcher = (change) => !change.isTtlExpiry;

/** Matches when every given matcher does. */
export const allOf =
  <T extends Item, K extends Item>(...matchers: Matcher<T, K>[]): Matcher<T, K> =>
  (change) =>
    matchers.every((m) => m(change));
