/**
 * Jest's global setup: the platforms' node and credential files are generated from their definitions
 * (scripts/platform-files.mjs, git-ignored), and tests load them through package.json's n8n manifest.
 */
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = () => {
	const run = spawnSync(process.execPath, [join(__dirname, '..', 'scripts', 'platform-files.mjs')], { encoding: 'utf8' });
	if (run.status !== 0) throw new Error(`scripts/platform-files.mjs failed: ${run.stderr}`);
};
