import { CountersignError } from '../errors.js';

export type MerkleErrorCode =
  | 'MERKLE_HASH_SIZE' // a leaf hash, root or proof element that is not 32 bytes
  | 'MERKLE_OUT_OF_RANGE' // index >= size, size1 > size2, a size of 0 where a tree is needed, or not a safe integer
  | 'MERKLE_PROOF_LENGTH' // more or fewer proof hashes than the index and size(s) call for
  | 'MERKLE_ROOT_MISMATCH'; // the proof leads to another root than the one given

export class MerkleError extends CountersignError<MerkleErrorCode> {
  readonly area = 'merkle';
}
