// A child process of concurrency.test.ts (and bench/dedup.bench.mjs): opens the store from the transpiled
// sources, says "ready", waits for "go" (carrying a start instant) so every process starts at the same moment, then claims the keys and
// reports what it got. Arguments: one JSON object (see concurrency.test.ts). With `detailed`, it claims with
// claimConversionDetailed (and `leaseMs`, when given) and also reports each claim's state; with `complete`, it
// then completes every claim it won, with its holder token, and reports whether each completion held.
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
	// Every worker starts at the same wall-clock instant (an IPC message alone arrives up to a few ms apart).
	const { performance } = require('node:perf_hooks');
	while (performance.timeOrigin + performance.now() < at) {
		// spin: the wait is a few milliseconds
	}

	const started = process.hrtime.bigint();
	const keys = Array.from({ length: task.keys }, (_, index) => ({ network: task.network, transactionId: `T-${index}`, eventName: 'Purchase' }));
	const claims = [];
	const states = [];
	const tokens = [];
	const options = task.leaseMs === undefined ? undefined : { leaseMs: task.leaseMs };
	const claimOne = async (index) => {
		if (!task.detailed) {
			claims[index] = await store.claimConversion(keys[index], options);
			return;
		}
		const outcome = await store.claimConversionDetailed(keys[index], options);
		claims[index] = outcome.result;
		states[index] = outcome.state;
		tokens[index] = outcome.token;
	};
	if (task.inFlight > 1) {
		// Up to `inFlight` claims outstanding at once (a Postgres pool serves them in parallel).
		let next = 0;
		const runner = async () => {
			while (next < keys.length) await claimOne(next++);
		};
		await Promise.all(Array.from({ length: task.inFlight }, runner));
	} else {
		for (let index = 0; index < keys.length; index++) await claimOne(index);
	}
	const claimNs = Number(process.hrtime.bigint() - started);

	const completed = [];
	if (task.complete) {
		for (let index = 0; index < keys.length; index++) {
			if (claims[index] === 'first') completed[index] = await store.completeClaim(keys[index], { token: tokens[index] });
		}
	}

	const sequences = [];
	for (let index = 0; index < (task.sequences || 0); index++) sequences.push(await store.nextClickSequence(task.sequenceClickId));
	const link = task.customerKey ? await store.linkCustomer(task.customerKey, `aff_worker_${task.worker}`) : undefined;

	await store.close();
	await send({ type: 'done', claims, states, completed, sequences, link, claimNs });
}

main()
	.catch(async (error) => {
		process.exitCode = 1;
		await send({ type: 'error', message: String(error && error.stack ? error.stack : error) });
	})
	.finally(() => process.disconnect());
