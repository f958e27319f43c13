// Appends "START <file>" and "END <file>" lines, with the time in seconds, to the file that
// COUNTERSIGN_TEST_TIMELINE names (and nothing without it). CI's watchdog reads it: a file that started
// long ago and never ended is named in the log instead of the run going silent until the job's limit.
import { appendFileSync } from 'node:fs';

export default class FileTimeline {
  constructor() {
    this.path = process.env.COUNTERSIGN_TEST_TIMELINE;
  }

  write(what, testPath) {
    if (this.path) appendFileSync(this.path, `${Math.floor(Date.now() / 1000)} ${what} ${testPath}\n`);
  }

  onTestFileStart(test) {
    this.write('START', test.path);
  }

  onTestFileResult(test) {
    this.write('END', test.path);
  }
}
