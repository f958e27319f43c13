import { CountersignError } from '@countersign/core';

export type TaskErrorCode =
  | 'TASK_INPUT_REQUIRED' // a required input is empty
  | 'TASK_INPUT_INVALID' // an input's value is not one the task accepts
  | 'TASK_NO_MATCH' // a file pattern matches no file
  | 'TASK_SERVICE_CONNECTION'; // the azureSubscription service connection cannot sign in this way

/** The one error class of the Azure DevOps tasks: what is wrong with how a task was set up in the pipeline. */
export class TaskError extends CountersignError<TaskErrorCode> {
  readonly area = 'azure-devops';
  /** The task input at fault, as the pipeline spells it. */
  readonly input: string;

  constructor(code: TaskErrorCode, input: string, message: string) {
    super(code, message);
    this.input = input;
  }
}
