// gateway/cli/keys.ts
// `npm run keys -- <command>`: the operator CLI under its first name, kept so every older command and script works.

import { runOperatorCli } from "./operator-cli";

runOperatorCli("keys");
