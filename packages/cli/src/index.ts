export { main, COMMANDS, type MainIo } from './main.js';
export { CliError, ExitCode, exitCodeOf, messageOf, type CliErrorCode } from './errors.js';
export { ConsoleHost, type ConsoleHostOptions } from './console-host.js';
