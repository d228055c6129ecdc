#!/usr/bin/env node
// turbocam-ustreamer: µStreamer's command line in front of turbocam's own. The translated argv
// runs the turbocam command in this same process, so signals and exit codes are turbocam's.
import { translateUstreamerArgs, USTREAMER_USAGE, type UstreamerTranslation } from './ustreamer-args.js';

let translation: UstreamerTranslation;
try {
  translation = translateUstreamerArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`turbocam-ustreamer: ${error instanceof Error ? error.message : String(error)} (see turbocam-ustreamer --help)\n`);
  process.exit(2);
}
if (translation.help) {
  process.stdout.write(USTREAMER_USAGE);
  process.exit(0);
}
for (const warning of translation.warnings) process.stderr.write(`turbocam-ustreamer: ${warning}\n`);
if (translation.processTitle !== undefined) process.title = `${translation.processTitle}: turbocam-ustreamer`;
process.argv.splice(2, process.argv.length - 2, ...translation.argv);
await import('./main.js');
