// `node --import ./guard.mjs app.mjs`: installs guard-hooks.mjs, which refuses any module that
// resolves outside the scratch project (the workspace above all). DOWNHILL_CONSUMER_SCRATCH names
// the scratch folder, DOWNHILL_CONSUMER_WORKSPACE the workspace.
import { register } from 'node:module';

register('./guard-hooks.mjs', import.meta.url, {
  data: { scratch: process.env.DOWNHILL_CONSUMER_SCRATCH, workspace: process.env.DOWNHILL_CONSUMER_WORKSPACE },
});
