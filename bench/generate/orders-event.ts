import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { createRandom, type Random } from './random.js';

/*
 * Realistic, deterministic DynamoDB Streams events for an orders table (NEW_AND_OLD_IMAGES).
 * Every image is 400 to 650 bytes as DynamoDB counts item size (attribute names plus values), and uses
 * S, N, BOOL, NULL, M, L, SS, NS and B (base64 text, as Lambda delivers binary).
 */

type Image = Record<string, AttributeValue>;

/** Lambda's invocation payload limit for an event-source mapping: 6 MB. */
export const INVOCATION_CAP_BYTES = 6 * 1024 * 1024;
export const DEFAULT_SEED = 20260101;
export const ORDERS_TABLE = 'orders-bench';
const STREAM_ARN = `arn:aws:dynamodb:us-east-1:123456789012:table/${ORDERS_TABLE}/stream/2026-01-01T00:00:00.000`;
export const MIN_ITEM_BYTES = 400;
export const MAX_ITEM_BYTES = 650;

/** Share of each event name (the rest are REMOVE). */
const INSERT_SHARE = 0.35;
const MODIFY_SHARE = 0.5;

const STATUSES = ['PENDING', 'PAID', 'PACKED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const;
const CITIES = ['Lisbon', 'Berlin', 'Lyon', 'Utrecht', 'Seville', 'Turin', 'Krakow', 'Ghent', 'Aarhus', 'Graz'];
const STREETS = ['Rua Augusta', 'Hauptstrasse', 'Rue de la Paix', 'Oudegracht', 'Calle Sierpes', 'Via Roma', 'Florianska', 'Veldstraat'];
const TAGS = ['gift', 'express', 'fragile', 'bulk', 'b2b', 'repeat-customer', 'promo', 'preorder', 'eco-pack', 'signature'];
const WORDS = ['blue', 'ceramic', 'mug', 'linen', 'notebook', 'steel', 'bottle', 'wool', 'scarf', 'oak', 'tray', 'lamp', 'pen', 'set'];

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** DynamoDB's size of a number: about one byte per two significant digits, plus one. */
function numberSize(text: string): number {
  const digits = text.replace(/^[-+]/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

/** DynamoDB's size of an attribute value (the rules of "Item sizes and formats" in the developer guide). */
export function attributeValueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return Buffer.from(value.B, 'base64').length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.M !== undefined) return 3 + Object.entries(value.M).reduce((sum, [name, v]) => sum + 1 + utf8(name) + attributeValueSize(v), 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + attributeValueSize(v), 0);
  throw new Error(`unsized attribute value ${JSON.stringify(value)}`);
}

/** DynamoDB's size of an item image: attribute names plus values. */
export const itemSize = (image: Image): number =>
  Object.entries(image).reduce((sum, [name, v]) => sum + utf8(name) + attributeValueSize(v), 0);

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: number | string): AttributeValue => ({ N: String(n) });
const money = (cents: number) => (cents / 100).toFixed(2);

function orderLine(random: Random): AttributeValue {
  const quantity = random.int(1, 6);
  const cents = random.int(199, 18999);
  return {
    M: {
      sku: S(`SKU-${random.text(8).toUpperCase()}`),
      title: S(`${random.pick(WORDS)} ${random.pick(WORDS)} ${random.pick(WORDS)}`),
      quantity: N(quantity),
      unitPrice: N(money(cents)),
    },
  };
}

function isoDate(random: Random, dayOffset: number): string {
  const ms = Date.UTC(2026, 0, 1) + dayOffset * 86_400_000 + random.int(0, 86_399_999);
  return new Date(ms).toISOString();
}

/** A new order image whose DynamoDB size is close to `targetBytes` (never above it unless it cannot shrink). */
function orderImage(random: Random, index: number, targetBytes: number): Image {
  const lines = Array.from({ length: random.int(1, 3) }, () => orderLine(random));
  const total = lines.reduce((sum, l) => sum + Number(l.M!.quantity!.N) * Math.round(Number(l.M!.unitPrice!.N) * 100), 0);
  const checksum = Buffer.alloc(random.int(16, 32));
  for (let i = 0; i < checksum.length; i++) checksum[i] = random.int(0, 255);
  const image: Image = {
    customerId: S(`CUST#${String(random.int(1, 5000)).padStart(6, '0')}`),
    orderDate: S(`${isoDate(random, index % 365)}#${random.hex(6)}`),
    orderId: S(`${random.hex(8)}-${random.hex(4)}-${random.hex(4)}-${random.hex(4)}-${random.hex(12)}`),
    orderStatus: S('PENDING'),
    currency: S(random.pick(['EUR', 'EUR', 'EUR', 'GBP', 'USD'])),
    total: N(money(total)),
    discount: N(random.chance(0.3) ? `-${money(random.int(100, 2000))}` : '0'),
    itemCount: N(lines.length),
    paid: { BOOL: false },
    giftWrap: { BOOL: random.chance(0.2) },
    couponCode: random.chance(0.7) ? { NULL: true } : S(`SAVE${random.int(5, 30)}`),
    shippingAddress: {
      M: {
        name: S(`${random.text(random.int(4, 9))} ${random.text(random.int(5, 11))}`),
        street: S(`${random.pick(STREETS)} ${random.int(1, 240)}`),
        city: S(random.pick(CITIES)),
        postcode: S(String(random.int(10000, 99999))),
        country: S(random.pick(['PT', 'DE', 'FR', 'NL', 'ES', 'IT', 'PL', 'BE', 'DK', 'AT'])),
        phone: random.chance(0.5) ? { NULL: true } : S(`+${random.int(30, 49)}${random.int(100000000, 999999999)}`),
      },
    },
    lines: { L: lines },
    tags: { SS: random.shuffle(TAGS).slice(0, random.int(1, 4)) },
    warehouseIds: { NS: random.shuffle([3, 7, 11, 12, 19, 23, 31, 42]).slice(0, random.int(1, 3)).map(String) },
    checksum: { B: checksum.toString('base64') },
    version: N(1),
    updatedAt: S(isoDate(random, index % 365)),
  };
  while (itemSize(image) > targetBytes - 'notes'.length && image.lines!.L!.length > 1) {
    image.lines!.L!.pop();
    image.itemCount = N(image.lines!.L!.length);
  }
  const room = targetBytes - 'notes'.length - itemSize(image);
  image.notes = S(room > 0 ? random.text(room) : '');
  return image;
}

/** The same order one step later: a status change, a new version, sometimes a new note. */
function nextVersion(random: Random, image: Image): Image {
  const status = image.orderStatus!.S as (typeof STATUSES)[number];
  const next = STATUSES[Math.min(STATUSES.indexOf(status) + 1, STATUSES.length - 2)]!;
  const notes = image.notes!.S!;
  return {
    ...image,
    orderStatus: S(random.chance(0.05) ? 'CANCELLED' : next),
    paid: { BOOL: next !== 'PENDING' },
    version: N(Number(image.version!.N) + 1),
    updatedAt: S(new Date(Date.parse(image.updatedAt!.S!) + random.int(60_000, 86_400_000)).toISOString()),
    notes: S(random.chance(0.3) ? random.text(notes.length) : notes),
  };
}

export interface GeneratedEvent {
  readonly event: DynamoDBStreamEvent;
  /** `JSON.stringify(event)`: what Lambda hands the runtime. */
  readonly json: string;
  readonly bytes: number;
  readonly records: number;
  readonly images: number;
  readonly eventNames: Record<'INSERT' | 'MODIFY' | 'REMOVE', number>;
  readonly itemBytes: { readonly min: number; readonly max: number; readonly mean: number };
}

export interface GenerateOptions {
  /** Stop at this many records... */
  readonly records?: number;
  /** ...or at the most records whose event JSON stays within this many bytes. */
  readonly maxBytes?: number;
  readonly seed?: number;
}

/** Sequence numbers: 21 digits, increasing, like DynamoDB's. */
const sequenceNumber = (index: number) => (100000000000000000000n + BigInt(index + 1) * 100n).toString();

/**
 * Generates one orders stream event. With the same seed, the event with `records: n` is the first n
 * records of every larger event, and `maxBytes` fills the event up to that payload size.
 */
export function generateOrdersEvent(options: GenerateOptions): GeneratedEvent {
  const random = createRandom(options.seed ?? DEFAULT_SEED);
  const limit = options.records ?? Infinity;
  const maxBytes = options.maxBytes ?? Infinity;
  const records: DynamoDBRecord[] = [];
  const eventNames = { INSERT: 0, MODIFY: 0, REMOVE: 0 };
  let images = 0;
  let sizeMin = Infinity;
  let sizeMax = 0;
  let sizeSum = 0;
  // `{"Records":[` + `]}` plus a comma between records.
  let bytes = '{"Records":[]}'.length;
  for (let i = 0; i < limit; i++) {
    const roll = random.next();
    const eventName = roll < INSERT_SHARE ? 'INSERT' : roll < INSERT_SHARE + MODIFY_SHARE ? 'MODIFY' : 'REMOVE';
    const first = orderImage(random, i, random.int(MIN_ITEM_BYTES, MAX_ITEM_BYTES));
    let newImage: Image | undefined;
    let oldImage: Image | undefined;
    if (eventName === 'INSERT') newImage = first;
    else if (eventName === 'MODIFY') [oldImage, newImage] = [first, nextVersion(random, first)];
    else oldImage = nextVersion(random, first);
    const keys: Image = { customerId: first.customerId!, orderDate: first.orderDate! };
    const recordImages = [newImage, oldImage].filter((image): image is Image => image !== undefined);
    const record: DynamoDBRecord = {
      eventID: random.hex(32),
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: 1767225600 + i,
        Keys: keys,
        ...(newImage ? { NewImage: newImage } : {}),
        ...(oldImage ? { OldImage: oldImage } : {}),
        SequenceNumber: sequenceNumber(i),
        SizeBytes: itemSize(keys) + recordImages.reduce((sum, image) => sum + itemSize(image), 0),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: STREAM_ARN,
    };
    const recordBytes = Buffer.byteLength(JSON.stringify(record)) + (records.length > 0 ? 1 : 0);
    if (bytes + recordBytes > maxBytes) break;
    bytes += recordBytes;
    records.push(record);
    eventNames[eventName]++;
    for (const image of recordImages) {
      const size = itemSize(image);
      sizeMin = Math.min(sizeMin, size);
      sizeMax = Math.max(sizeMax, size);
      sizeSum += size;
      images++;
    }
  }
  const event: DynamoDBStreamEvent = { Records: records };
  const json = JSON.stringify(event);
  return {
    event,
    json,
    bytes: Buffer.byteLength(json),
    records: records.length,
    images,
    eventNames,
    itemBytes: { min: sizeMin, max: sizeMax, mean: Math.round(sizeSum / Math.max(images, 1)) },
  };
}

/** Every attribute-value map of an event (Keys, NewImage, OldImage), for equality checks. */
export function* imagesOf(event: DynamoDBStreamEvent): Generator<{ readonly where: string; readonly image: Image }> {
  for (let i = 0; i < event.Records.length; i++) {
    const d = event.Records[i]!.dynamodb!;
    if (d.Keys) yield { where: `Records[${i}].dynamodb.Keys`, image: d.Keys };
    if (d.NewImage) yield { where: `Records[${i}].dynamodb.NewImage`, image: d.NewImage };
    if (d.OldImage) yield { where: `Records[${i}].dynamodb.OldImage`, image: d.OldImage };
  }
}
