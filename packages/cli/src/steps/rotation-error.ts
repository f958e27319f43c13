import { CountersignError } from '@countersign/core';

export type RotationErrorCode =
  | 'ROTATION_INCOMPLETE' // the new key version exists, but a later part of the rotation failed: run it again to finish
  | 'ROTATION_STATEMENT_MISMATCH' // the file where the rotation statement goes holds something else
  | 'ROTATION_NO_REGISTRATION_TIME'; // the receipt does not say when the statement was registered

/** Failures of a key rotation after the vault was asked for a new version. */
export class RotationError extends CountersignError<RotationErrorCode> {
  readonly area = 'rotation';

  constructor(
    code: RotationErrorCode,
    message: string,
    /** The version the rotation retires: rotate-key with this version URL finishes the rotation. */
    readonly resumeKeyUrl?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
