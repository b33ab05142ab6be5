import type { _Record as StreamsRecord, AttributeValue } from '@aws-sdk/client-dynamodb-streams';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { RedriveFailedError } from '../../lib/tools/errors.js';
import { itemReplayRecord, planItemReplays, type ItemReplay } from '../../lib/tools/redrive/item-replay.js';

/** A Streams API record (binaries as bytes), marshalled from plain objects. */
function streamsRecord(input: {
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  keys: Record<string, unknown>;
  sequenceNumber: string;
  oldImage?: Record<string, unknown>;
  newImage?: Record<string, unknown>;
  view?: 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
}): StreamsRecord {
  const image = (item: Record<string, unknown>) => marshall(item) as Record<string, AttributeValue>;
  return {
    eventID: `e-${input.sequenceNumber}`,
    eventName: input.eventName,
    dynamodb: {
      Keys: image(input.keys),
      SequenceNumber: input.sequenceNumber,
      StreamViewType: input.view ?? 'NEW_AND_OLD_IMAGES',
      ...(input.oldImage ? { OldImage: image(input.oldImage) } : {}),
      ...(input.newImage ? { NewImage: image(input.newImage) } : {}),
    },
  };
}

const seq = (n: number): string => (400000000000000000000n + BigInt(n)).toString();
/** The replays without their images, which the itemReplayRecord table checks. */
const replayOf = (records: StreamsRecord[]) =>
  planItemReplays(records).map(({ imageBefore: _image, streamViewType: _view, ...replay }) => replay);

describe('planItemReplays: one replay per item of the range, carrying its last sequence number', () => {
  it.each([
    {
      case: 'one failed INSERT',
      records: [streamsRecord({ eventName: 'INSERT', keys: { isbn: 'a' }, sequenceNumber: seq(1), newImage: { isbn: 'a' } })],
      expected: [{ keys: marshall({ isbn: 'a' }), sequenceNumber: seq(1), existedBefore: false, records: 1 }],
    },
    {
      case: 'INSERT then MODIFY of one item: the last sequence number, existed before = no',
      records: [
        streamsRecord({ eventName: 'INSERT', keys: { isbn: 'a' }, sequenceNumber: seq(1), newImage: { isbn: 'a' } }),
        streamsRecord({ eventName: 'MODIFY', keys: { isbn: 'a' }, sequenceNumber: seq(5), newImage: { n: 1 }, oldImage: { n: 0 } }),
      ],
      expected: [{ keys: marshall({ isbn: 'a' }), sequenceNumber: seq(5), existedBefore: false, records: 2 }],
    },
    {
      case: "two items interleaved: ordered by each item's last record",
      records: [
        streamsRecord({ eventName: 'MODIFY', keys: { isbn: 'a' }, sequenceNumber: seq(1), newImage: { isbn: 'a' }, oldImage: { n: 0 } }),
        streamsRecord({ eventName: 'INSERT', keys: { isbn: 'b' }, sequenceNumber: seq(2), newImage: { isbn: 'b' } }),
        streamsRecord({ eventName: 'REMOVE', keys: { isbn: 'a' }, sequenceNumber: seq(3), oldImage: { isbn: 'a' } }),
      ],
      expected: [
        { keys: marshall({ isbn: 'b' }), sequenceNumber: seq(2), existedBefore: false, records: 1 },
        { keys: marshall({ isbn: 'a' }), sequenceNumber: seq(3), existedBefore: true, records: 2 },
      ],
    },
    {
      case: 'keys that only differ in type or bytes are different items',
      records: [
        streamsRecord({ eventName: 'INSERT', keys: { id: '1' }, sequenceNumber: seq(1) }),
        streamsRecord({ eventName: 'INSERT', keys: { id: 1 }, sequenceNumber: seq(2) }),
        streamsRecord({ eventName: 'INSERT', keys: { id: new Uint8Array([0x31]) }, sequenceNumber: seq(3) }),
        streamsRecord({ eventName: 'INSERT', keys: { id: new Uint8Array([0x32]) }, sequenceNumber: seq(4) }),
      ],
      expected: [
        { keys: marshall({ id: '1' }), sequenceNumber: seq(1), existedBefore: false, records: 1 },
        { keys: marshall({ id: 1 }), sequenceNumber: seq(2), existedBefore: false, records: 1 },
        { keys: marshall({ id: new Uint8Array([0x31]) }), sequenceNumber: seq(3), existedBefore: false, records: 1 },
        { keys: marshall({ id: new Uint8Array([0x32]) }), sequenceNumber: seq(4), existedBefore: false, records: 1 },
      ],
    },
    {
      case: 'number keys by value, as the ledger identifies items: 1 and 1.0 are one item',
      records: [
        streamsRecord({ eventName: 'MODIFY', keys: { id: 1 }, sequenceNumber: seq(1) }),
        {
          eventName: 'MODIFY',
          dynamodb: { Keys: { id: { N: '1.0' } }, SequenceNumber: seq(2), StreamViewType: 'NEW_AND_OLD_IMAGES' },
        } satisfies StreamsRecord,
      ],
      expected: [{ keys: marshall({ id: 1 }), sequenceNumber: seq(2), existedBefore: true, records: 2 }],
    },
    {
      case: 'sequence numbers of different lengths compare as numbers',
      records: [
        streamsRecord({ eventName: 'MODIFY', keys: { isbn: '__proto__' }, sequenceNumber: '900000000000000000000' }),
        streamsRecord({ eventName: 'MODIFY', keys: { isbn: '__proto__' }, sequenceNumber: '1000000000000000000000' }),
      ],
      expected: [{ keys: marshall({ isbn: '__proto__' }), sequenceNumber: '1000000000000000000000', existedBefore: true, records: 2 }],
    },
  ])('$case', ({ records, expected }) => {
    // Act
    const replays = replayOf(records);
    // Assess
    expect(replays).toEqual(expected);
  });

  it('refuses a record without keys, naming its index', () => {
    // Prepare
    const records: StreamsRecord[] = [
      streamsRecord({ eventName: 'INSERT', keys: { isbn: 'a' }, sequenceNumber: seq(1) }),
      { eventName: 'INSERT', dynamodb: { SequenceNumber: seq(2) } },
    ];
    // Act + Assess
    expect(() => planItemReplays(records)).toThrow(RedriveFailedError);
    expect(() => planItemReplays(records)).toThrow(/^Record 1 of the range .* carries no Keys/);
  });
});

describe('itemReplayRecord: the item as it is now, as one change spanning the range', () => {
  const before = { isbn: 'a', author: 'Ada' };
  const now = { isbn: 'a', author: 'Lin' };
  const replay = (existedBefore: boolean, view: string | undefined): ItemReplay => ({
    keys: marshall({ isbn: 'a' }) as Record<string, AttributeValue>,
    sequenceNumber: seq(7),
    existedBefore,
    imageBefore: existedBefore ? (marshall(before) as Record<string, AttributeValue>) : undefined,
    streamViewType: view,
    records: 1,
  });
  it.each([
    { existedBefore: false, current: now, view: 'NEW_AND_OLD_IMAGES', eventName: 'INSERT', newImage: now, oldImage: undefined },
    { existedBefore: true, current: now, view: 'NEW_AND_OLD_IMAGES', eventName: 'MODIFY', newImage: now, oldImage: before },
    { existedBefore: true, current: undefined, view: 'NEW_AND_OLD_IMAGES', eventName: 'REMOVE', newImage: undefined, oldImage: before },
    { existedBefore: false, current: undefined, view: 'NEW_AND_OLD_IMAGES', eventName: 'REMOVE', newImage: undefined, oldImage: undefined },
    { existedBefore: true, current: now, view: 'NEW_IMAGE', eventName: 'MODIFY', newImage: now, oldImage: undefined },
    { existedBefore: true, current: now, view: 'OLD_IMAGE', eventName: 'MODIFY', newImage: undefined, oldImage: before },
    { existedBefore: true, current: now, view: 'KEYS_ONLY', eventName: 'MODIFY', newImage: undefined, oldImage: undefined },
  ])('existed before: $existedBefore, now: $current, view $view -> $eventName', (row) => {
    const { existedBefore, current, view, eventName, newImage, oldImage } = row;
    // Act
    const item = current ? (marshall(current) as Record<string, AttributeValue>) : undefined;
    const record = itemReplayRecord(replay(existedBefore, view), item, { eventID: 'redrive-x', nowSeconds: 1_780_000_000 });
    // Assess
    expect(record.eventName).toBe(eventName);
    expect(record.dynamodb?.SequenceNumber).toBe(seq(7));
    expect(record.dynamodb?.Keys).toEqual(marshall({ isbn: 'a' }));
    expect(record.dynamodb?.NewImage).toEqual(newImage ? marshall(newImage) : undefined);
    expect(record.dynamodb?.OldImage).toEqual(oldImage ? marshall(oldImage) : undefined);
    expect(record.dynamodb?.StreamViewType).toBe(view);
    expect(record.dynamodb?.ApproximateCreationDateTime).toEqual(new Date(1_780_000_000_000));
  });
});
