import { randomBytes } from 'node:crypto';

export type OperationStatus = 'running' | 'succeeded' | 'failed';

export interface Operation {
  id: string;
  status: OperationStatus;
  entryId?: string;
  receipt?: Uint8Array;
  error?: { status: number; title: string; detail: string };
}

/** Registrations answered before they commit (202 and 303 styles); bounded, oldest finished ones forgotten first. */
export class Operations {
  private readonly operations = new Map<string, Operation>();

  constructor(private readonly limit = 10_000) {}

  start(): Operation {
    if (this.operations.size >= this.limit) {
      for (const [id, operation] of this.operations) {
        if (operation.status !== 'running') this.operations.delete(id);
        if (this.operations.size < this.limit / 2) break;
      }
    }
    const operation: Operation = { id: randomBytes(12).toString('hex'), status: 'running' };
    this.operations.set(operation.id, operation);
    return operation;
  }

  get(id: string): Operation | undefined {
    return this.operations.get(id);
  }
}
