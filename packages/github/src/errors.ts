import { CountersignError } from '@countersign/core';

export type ActionErrorCode =
  | 'ACTION_INPUT_REQUIRED' // an input the action needs is empty
  | 'ACTION_INPUT_INVALID'; // an input's value is not one the action accepts

/** The one error class of the GitHub front end: an input as the workflow spelled it, and what is wrong with it. */
export class ActionError extends CountersignError<ActionErrorCode> {
  readonly area = 'action';
  readonly input: string;

  constructor(code: ActionErrorCode, input: string, message: string) {
    super(code, `input ${input}: ${message}`);
    this.input = input;
  }
}
