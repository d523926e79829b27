// A child process of payout-concurrency.test.ts: opens the store from the transpiled sources (compile-src.cjs),
// says "ready", waits for "go" (a start instant shared by every worker), then races the other processes for
// payout items round by round and reports what it got. Arguments: one JSON object with buildDir, config,
// rounds, lines (per round), inFlight and worker. Per round it:
// - reserves the item `same-<round>` over the lines `a-<round>-*` (every worker the same id and lines),
//   then tries to move that item reserved → submitted with a compare-and-set;
// - reserves its own item `own-<round>-<worker>` over the lines `b-<round>-*` (different ids, the same lines,
//   in an order that differs between workers).
'use strict';

const { join } = require('node:path');

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

	const item = (id, entryIds) => ({
		id,
		batchId: 'race-batch',
		provider: 'paypal',
		period: '2026-10',
		affiliateId: 'aff_race',
		currency: 'USD',
		amount: String(task.lines),
		receiver: 'race@example.com',
		entryIds,
	});
	const lineIds = (prefix, round) => Array.from({ length: task.lines }, (_, index) => `${prefix}-${round}-${index}`);
	const same = [];
	const submitted = [];
	const own = [];
	const race = async (round) => {
		same[round] = (await store.reservePayoutItem(item(`same-${round}`, lineIds('a', round)))).outcome;
		submitted[round] = await store.updatePayoutItem(`same-${round}`, { state: 'submitted', note: `worker ${task.worker}` }, { from: ['reserved'] });
		const ids = lineIds('b', round);
		if (task.worker % 2 === 1) ids.reverse();
		own[round] = (await store.reservePayoutItem(item(`own-${round}-${task.worker}`, ids))).outcome;
	};
	let next = 0;
	const runner = async () => {
		while (next < task.rounds) await race(next++);
	};
	await Promise.all(Array.from({ length: Math.max(1, task.inFlight) }, runner));

	await store.close();
	await send({ type: 'done', same, submitted, own });
}

main()
	.catch(async (error) => {
		process.exitCode = 1;
		await send({ type: 'error', message: String(error && error.stack ? error.stack : error) });
	})
	.finally(() => process.disconnect());
