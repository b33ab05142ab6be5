import { InvalidAttributeValueError } from '../errors.js';

/*
 * One text per DynamoDB value: equal values give equal text and different values different text.
 * - Every part is length-prefixed or a fixed tag, so the text of a whole is never the text of other parts joined.
 * - N by value: `1`, `1.0` and `10E-1` are one DynamoDB number; the text is worked on exactly, never through a double.
 * - B by bytes: the base64 text of a Lambda event and the bytes of the SDK agree.
 * - Map entries sorted by name, set members sorted: DynamoDB keeps no order there.
 */

const NUMBER = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/;

/**
 * The canonical form of a DynamoDB number's text: `<sign><digits>E<exponent>` with no leading or trailing
 * zeros in the digits (`1`, `1.0`, `10E-1` all give `1E0`; zero is `0`), or undefined when the text is not a number.
 */
export function canonicalNumberText(text: string): string | undefined {
  const match = NUMBER.exec(text);
  if (match === null) return undefined;
  const [, sign, whole = '', fraction = '', exponent = '0'] = match;
  if (whole === '' && fraction === '') return undefined;
  let digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return '0';
  const trimmed = digits.replace(/0+$/, '');
  const scale = BigInt(exponent) - BigInt(fraction.length) + BigInt(digits.length - trimmed.length);
  digits = trimmed;
  return `${sign === '-' ? '-' : ''}${digits}E${scale.toString()}`;
}

const bytesOf = (value: unknown, path: string): Buffer => {
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new InvalidAttributeValueError(path, 'is not binary (a base64 string or bytes)');
};

const counted = (text: string): string => `${text.length}:${text}`;

function numberPart(value: unknown, path: string): string {
  const canonical = typeof value === 'string' ? canonicalNumberText(value) : undefined;
  if (canonical === undefined) throw new InvalidAttributeValueError(path, 'has an N value that is not a DynamoDB number');
  return counted(canonical);
}

function stringPart(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new InvalidAttributeValueError(path, `has an S value of type ${typeof value}`);
  return counted(value);
}

const binaryPart = (value: unknown, path: string): string => counted(bytesOf(value, path).toString('base64'));

function setText(tag: string, members: unknown, path: string, each: (member: unknown, path: string) => string): string {
  if (!Array.isArray(members)) throw new InvalidAttributeValueError(path, `has a ${tag} value that is not an array`);
  const parts = members.map((member, i) => each(member, `${path}.${tag}[${i}]`)).sort();
  return `${tag}${parts.length}:${parts.join('')}`;
}

function mapText(map: unknown, path: string): string {
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new InvalidAttributeValueError(path, 'is not a map of attribute values');
  }
  const names = Object.keys(map).sort();
  let text = `M${names.length}:`;
  for (const name of names) text += counted(name) + canonicalValueText((map as Record<string, unknown>)[name], `${path}.${name}`);
  return text;
}

/**
 * The canonical text of one attribute value (`{ S: 'x' }`, `{ N: '1.0' }`, `{ B: 'AAEC' }`, …).
 * @throws InvalidAttributeValueError naming `path` when the value is not a DynamoDB attribute value.
 */
export function canonicalValueText(value: unknown, path = 'value'): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidAttributeValueError(path, 'is not an attribute value (an object such as {"S": "text"})');
  }
  const av = value as Record<string, unknown>;
  for (const type of Object.keys(av)) {
    const v = av[type];
    if (v === undefined) continue;
    switch (type) {
      case 'S':
        return `S${stringPart(v, path)}`;
      case 'N':
        return `N${numberPart(v, path)}`;
      case 'B':
        return `B${binaryPart(v, path)}`;
      case 'BOOL':
        return v === true ? 'T' : 'F';
      case 'NULL':
        return 'Z';
      case 'M':
        return mapText(v, path);
      case 'L': {
        if (!Array.isArray(v)) throw new InvalidAttributeValueError(path, 'has an L value that is not an array');
        let text = `L${v.length}:`;
        for (let i = 0; i < v.length; i++) text += canonicalValueText(v[i], `${path}[${i}]`);
        return text;
      }
      case 'SS':
        return setText('SS', v, path, stringPart);
      case 'NS':
        return setText('NS', v, path, numberPart);
      case 'BS':
        return setText('BS', v, path, binaryPart);
      default:
        throw new InvalidAttributeValueError(path, `has an unknown attribute type "${type}"`);
    }
  }
  throw new InvalidAttributeValueError(path, 'has no value: an attribute value needs one of S, N, B, BOOL, NULL, M, L, SS, NS, BS');
}

/**
 * The canonical text of an image or key (a map of attribute values): the same for the same item,
 * whatever order its attributes come in.
 * @throws InvalidAttributeValueError naming the attribute path.
 */
export function canonicalImageText(image: unknown, path = 'image'): string {
  return mapText(image, path);
}
