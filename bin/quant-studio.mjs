#!/usr/bin/env node
// The quant-studio command line, run from the TypeScript sources.
import './register-ts.mjs';

const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2), { ownsProcess: true });
