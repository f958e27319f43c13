export { CountersignError, isCountersignError } from './errors.js';
export * from './cbor/index.js';
export * from './digest/hash-algorithms.js';
export * from './cose/index.js';
