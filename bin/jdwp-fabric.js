#!/usr/bin/env node
'use strict';
require('../out/cli/main.js').main(process.argv.slice(2)).then(
  (code) => process.exit(code ?? 0),
  (err) => {
    console.error(`jdwp-fabric: ${err && err.message ? err.message : err}`);
    process.exit(1);
  },
);
