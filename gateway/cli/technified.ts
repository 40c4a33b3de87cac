// gateway/cli/technified.ts
// `npm run technified -- <command>` (`node dist/gateway/cli/technified.js` when built): the operator CLI.

import { runOperatorCli } from "./operator-cli";

runOperatorCli("technified");
