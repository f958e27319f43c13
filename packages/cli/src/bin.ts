#!/usr/bin/env node
import { main } from './main.js';

// A reader that stops early (`countersign entries | head`) closes the pipe: what is left to print has
// nowhere to go, which says nothing about the command, so it neither crashes nor changes the exit code.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
});

process.exitCode = await main(process.argv.slice(2));
