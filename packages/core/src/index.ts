export { CountersignError, isCountersignError } from './errors.js';
export * from './cbor/index.js';
export * from './digest/hash-algorithms.js';
export * from './cose/index.js';
export * from './statement/index.js';
export * from './trust/index.js';
export { describeStatement, type Description } from './describe/describe-statement.js';
export * from './verify/index.js';
export * from './x509/index.js';
