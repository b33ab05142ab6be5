import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  generateOrdersEvent,
  imagesOf,
  INVOCATION_CAP_BYTES,
  itemSize,
  MAX_ITEM_BYTES,
  MIN_ITEM_BYTES,
} from '../../bench/generate/orders-event.js';
import { toChange } from '../../lib/runtime/change/to-change.js';
import { unmarshallImage } from '../../lib/runtime/change/unmarshall.js';
import { comparable } from '../support/comparable.js';

type SdkImage = Record<string, SdkAttributeValue>;

// The benchmark's own batches, parsed from their text as Lambda parses them.
const capEvent = JSON.parse(generateOrdersEvent({ maxBytes: INVOCATION_CAP_BYTES }).json) as DynamoDBStreamEvent;
const otherSeeds = [1, 2].map((seed) => JSON.parse(generateOrdersEvent({ records: 300, seed }).json) as DynamoDBStreamEvent);

describe('benchmark batches', () => {
  it('fill the 6 MB invocation cap without passing it, with every attribute type and event name', () => {
    // Prepare
    const generated = generateOrdersEvent({ maxBytes: INVOCATION_CAP_BYTES });
    const types = new Set<string>();
    const collect = (value: unknown): void => {
      if (value === null || typeof value !== 'object') return;
      for (const [key, inner] of Object.entries(value)) {
        if (['S', 'N', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'B'].includes(key)) types.add(key);
        collect(inner);
      }
    };
    // Act
    for (const { image } of imagesOf(capEvent)) collect(image);
    const next = generateOrdersEvent({ records: generated.records + 1 });
    // Assess
    expect(generated.bytes).toBeLessThanOrEqual(INVOCATION_CAP_BYTES);
    expect(next.bytes).toBeGreaterThan(INVOCATION_CAP_BYTES);
    expect([...types].sort()).toEqual(['B', 'BOOL', 'L', 'M', 'N', 'NS', 'NULL', 'S', 'SS']);
    expect(Object.values(generated.eventNames).every((count) => count > 0)).toBe(true);
  });

  it('hold items of 400 to 650 bytes (DynamoDB item size)', () => {
    // Act
    const sizes = [...imagesOf(capEvent)].filter(({ where }) => !where.endsWith('Keys')).map(({ image }) => itemSize(image));
    // Assess
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(MIN_ITEM_BYTES);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_ITEM_BYTES);
  });

  it('are the same for the same seed', () => {
    // Act / Assess
    expect(generateOrdersEvent({ records: 50 }).json).toBe(generateOrdersEvent({ records: 50 }).json);
    expect(generateOrdersEvent({ records: 50, seed: 1 }).json).not.toBe(generateOrdersEvent({ records: 50 }).json);
  });
});

// Maps are compared by content (test/support/comparable.ts): ours have no prototype, util-dynamodb's do.
describe('unmarshallImage on the benchmark batches', () => {
  it.each([
    ['the 6 MB batch', capEvent],
    ['seed 1', otherSeeds[0]!],
    ['seed 2', otherSeeds[1]!],
  ])('equals util-dynamodb unmarshall on every attribute map of %s', (_name, event) => {
    // Prepare
    const images = [...imagesOf(event)];
    // Act
    const different = images.filter(({ image }) => {
      try {
        expect(comparable(unmarshallImage(image))).toStrictEqual(comparable(unmarshall(image as SdkImage)));
        return false;
      } catch {
        return true;
      }
    });
    // Assess
    expect(images.length).toBeGreaterThan(event.Records.length);
    expect(different.map(({ where }) => where)).toEqual([]);
  });

  it('gives the dispatcher the same keys and images as util-dynamodb', () => {
    // Act
    const changes = capEvent.Records.map((record, i) => toChange(record, i));
    // Assess
    changes.forEach((change, i) => {
      const d = capEvent.Records[i]!.dynamodb!;
      expect(comparable(change.keys)).toStrictEqual(comparable(unmarshall(d.Keys as SdkImage)));
      expect(comparable(change.newImage)).toStrictEqual(
        d.NewImage === undefined ? undefined : comparable(unmarshall(d.NewImage as SdkImage)),
      );
      expect(comparable(change.oldImage)).toStrictEqual(
        d.OldImage === undefined ? undefined : comparable(unmarshall(d.OldImage as SdkImage)),
      );
    });
  });
});
