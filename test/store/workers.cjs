// Runs claim-worker.cjs (or another worker script with the same protocol, `script`) in several child processes behind one start barrier: every worker opens its store
// (on a fresh database they migrate it concurrently), reports ready, and only when all are ready do they all
// get "go" at once. Used by concurrency.test.ts and bench/dedup.bench.mjs.
'use strict';

const { fork } = require('node:child_process');
const { join } = require('node:path');

/**
 * @param {{ count: number, task: (worker: number) => object, timeoutMs?: number, script?: string }} options (script: a file name in this folder, default claim-worker.cjs)
 * @returns {Promise<Array<{ claims: string[], sequences: number[], link?: object, claimNs: number }>>} in worker order, plus `wallNs` (go → last done).
 */
async function runWorkers({ count, task, timeoutMs = 60000, script = 'claim-worker.cjs' }) {
	const children = [];
	const ready = [];
	const done = [];
	for (let worker = 0; worker < count; worker++) {
		const child = fork(join(__dirname, script), [JSON.stringify({ ...task(worker), worker })], {
			execPath: process.execPath,
			execArgv: [],
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		});
		children.push(child);
		let onReady;
		let onDone;
		ready.push(new Promise((resolve, reject) => (onReady = { resolve, reject })));
		done.push(new Promise((resolve, reject) => (onDone = { resolve, reject })));
		// Marked handled here; Promise.all below still sees a rejection.
		ready[worker].catch(() => undefined);
		done[worker].catch(() => undefined);
		child.on('message', (message) => {
			if (message.type === 'ready') onReady.resolve();
			else if (message.type === 'done') onDone.resolve(message);
			else if (message.type === 'error') {
				const error = new Error(`worker ${worker}: ${message.message}`);
				onReady.reject(error);
				onDone.reject(error);
			}
		});
		child.on('exit', (code, signal) => {
			const error = new Error(`worker ${worker} exited (${signal || code}) before reporting`);
			onReady.reject(error);
			onDone.reject(error);
		});
	}
	let timer;
	const timeout = new Promise((_, reject) => {
		timer = setTimeout(() => reject(new Error(`workers did not finish within ${timeoutMs} ms`)), timeoutMs);
	});
	try {
		await Promise.race([Promise.all(ready), timeout]);
		// A common start instant a little ahead, so the last "go" arrives before it.
		const at = Date.now() + 50 + 5 * count;
		for (const child of children) child.send({ type: 'go', at });
		while (Date.now() < at) await new Promise((resolve) => setTimeout(resolve, 1));
		const started = process.hrtime.bigint();
		const results = await Promise.race([Promise.all(done), timeout]);
		const wallNs = Number(process.hrtime.bigint() - started);
		return Object.assign(results, { wallNs });
	} finally {
		clearTimeout(timer);
		for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill();
	}
}

module.exports = { runWorkers };
