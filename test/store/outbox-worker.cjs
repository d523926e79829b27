// A child process of outbox-concurrency.test.ts (run through workers.cjs): opens the store from the transpiled
// sources, says "ready", waits for "go", then claims due outbox entries until none is left, settling each one it got
// as sent with its token, and reports which entries it claimed and whether each settlement held. Arguments: one JSON
// object { buildDir, config, now, limit, leaseMs, destination, inFlight }.
'use strict';

const { join } = require('node:path');

/** Sends one IPC message and resolves once it is flushed. */
function send(message) {
	return new Promise((resolve) => process.send(message, () => resolve()));
}

async function main() {
	const task = JSON.parse(process.argv[2]);
	const { openStore } = require(join(task.buildDir, 'src', 'store'));
	const store = await openStore(task.config);
	const go = new Promise((resolve) => process.once('message', resolve));
	await send({ type: 'ready' });
	const { at } = await go;
	const { performance } = require('node:perf_hooks');
	while (performance.timeOrigin + performance.now() < at) {
		// spin: the wait is a few milliseconds
	}

	const claimed = [];
	const settled = [];
	const runner = async () => {
		for (;;) {
			const batch = await store.claimDueDeliveries({ now: task.now, limit: task.limit, leaseMs: task.leaseMs, destinations: [task.destination] });
			if (batch.length === 0) return;
			for (const entry of batch) {
				claimed.push(entry.conversionId);
				settled.push(await store.settleDelivery(entry, { state: 'sent' }, { token: entry.token, code: `worker-${task.worker}` }));
			}
		}
	};
	await Promise.all(Array.from({ length: task.inFlight }, runner));
	await store.close();
	await send({ type: 'done', claimed, settled });
}

main()
	.catch(async (error) => {
		process.exitCode = 1;
		await send({ type: 'error', message: String(error && error.stack ? error.stack : error) });
	})
	.finally(() => process.disconnect());
