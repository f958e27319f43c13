import { decodeSign1, encode, encodeSign1 } from '@countersign/core';

/** ECDSA group orders by raw r||s signature length (P-256, P-384). */
const ORDERS: Record<number, bigint> = {
  64: BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'),
  96: BigInt('0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973'),
};

/** The other valid ECDSA signature over the same bytes, (r, n - s), in an otherwise identical statement. */
export function flippedS(bytes: Uint8Array): Uint8Array {
  const message = decodeSign1(bytes);
  const half = message.signature.length / 2;
  const order = ORDERS[message.signature.length];
  if (order === undefined) throw new Error('not an ECDSA signature');
  const s = BigInt(`0x${Buffer.from(message.signature.subarray(half)).toString('hex')}`);
  const signature = new Uint8Array(message.signature.length);
  signature.set(message.signature.subarray(0, half));
  signature.set(Buffer.from((order - s).toString(16).padStart(half * 2, '0'), 'hex'), half);
  return encodeSign1({ ...message, signature });
}

/** The same signed statement with its envelope written in ways CBOR allows but preferred serialization does not. */
export function reencodings(bytes: Uint8Array): Array<[string, Uint8Array]> {
  const { protectedBytes, payload, signature } = decodeSign1(bytes);
  const body = payload as Uint8Array;
  const bstr32 = (value: Uint8Array): Buffer => {
    const head = Buffer.alloc(5);
    head[0] = 0x5a;
    head.writeUInt32BE(value.length, 1);
    return Buffer.concat([head, value]);
  };
  const chunked = Buffer.concat([Uint8Array.of(0x5f), encode(body.subarray(0, body.length >> 1)), encode(body.subarray(body.length >> 1)), Uint8Array.of(0xff)]);
  const tag = Uint8Array.of(0xd2);
  const array = Uint8Array.of(0x84);
  const emptyMap = Uint8Array.of(0xa0);
  const whole = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
  return [
    ['a two-byte tag', whole(Uint8Array.of(0xd8, 0x12), array, encode(protectedBytes), emptyMap, encode(body), encode(signature))],
    ['a two-byte array head', whole(tag, Uint8Array.of(0x98, 0x04), encode(protectedBytes), emptyMap, encode(body), encode(signature))],
    ['a longer protected header length', whole(tag, array, bstr32(protectedBytes), emptyMap, encode(body), encode(signature))],
    ['a longer payload length', whole(tag, array, encode(protectedBytes), emptyMap, bstr32(body), encode(signature))],
    ['a chunked (indefinite-length) payload', whole(tag, array, encode(protectedBytes), emptyMap, chunked, encode(signature))],
    ['a longer signature length', whole(tag, array, encode(protectedBytes), emptyMap, encode(body), bstr32(signature))],
  ];
}
