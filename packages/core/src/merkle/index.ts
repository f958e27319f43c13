export { MerkleError, type MerkleErrorCode } from './errors.js';
export { EMPTY_ROOT, HASH_SIZE, leafHash, nodeHash } from './hash.js';
export type { SubtreeHashes } from './subtree-hashes.js';
export {
  consistencyProofLength,
  inclusionProofLength,
  rootFromConsistencyProof,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from './verify.js';
export { consistencyProof, inclusionProof, rootAt } from './prove.js';
export { MemoryTree } from './memory-tree.js';
