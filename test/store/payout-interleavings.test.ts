/**
 * Payouts never pay twice, under any interleaving: two PROCESSES run Pay, Pay, Sync against one store (SQLite file,
 * PostgreSQL schema) and one provider fake (PayPal, Stripe: both honour their idempotency keys like the real APIs),
 * and die (SIGKILL) at provider call boundaries — before a request leaves, or after its answer came back and before
 * the engine heard of it. The fakes meanwhile answer late, hold requests before executing them, fail after acting,
 * and settle PayPal items as paid, unclaimed, failed, returned or held; Stripe runs out of balance.
 *
 * Invariant, for every affiliate: the money the provider sent (not failed, returned or cancelled) never exceeds
 * what the ledger owes, after every round; and once everything has settled and final Pay and Sync runs are done, it
 * equals it exactly, every ledger line paid.
 *
 * Two parts per store and provider: every call boundary of a Pay (and of a Pay resuming what an earlier one left)
 * exhaustively, and random interleavings with fast-check. The workers (payout-interleaving-worker.cjs) run the
 * engine transpiled by compile-src.cjs.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import fc from 'fast-check';
import { Client } from 'pg';
import { openStore } from '../../src/store';
import type { StoreConfig, TrackingStore } from '../../src/store';
import { PAYPAL_FAKE_CLIENT_ID, PAYPAL_FAKE_CLIENT_SECRET, type PayPalFake, type PayPalTransactionStatus, startPayPalFake } from '../fakes/paypal';
import { STRIPE_FAKE_SECRET_KEY, type StripeFake, startStripeFake } from '../fakes/stripe';
import { createTestSchemaName, dropSchemas, ensurePostgres, postgresAvailable } from './postgres-server';
import type { PostgresServer } from './postgres-server';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compileSources } = require('./compile-src.cjs') as { compileSources: () => string };

type Provider = 'paypal' | 'stripe';
type Op = 'pay' | 'sync' | 'idle';
interface Crash {
	call: number;
	when: 'before' | 'after';
}
interface WorkerResult {
	crashed: boolean;
	calls?: number;
	reports?: Array<{ affiliateId: string; outcome: string; code?: string; amount: string }>;
}

const AFFILIATES = ['aff-A', 'aff-B', 'aff-C'] as const;
type Affiliate = (typeof AFFILIATES)[number];
const RECEIVERS: Record<Provider, Record<Affiliate, string>> = {
	paypal: { 'aff-A': 'a@example.com', 'aff-B': 'b@example.com', 'aff-C': 'c@example.com' },
	stripe: { 'aff-A': 'acct_1AffiliateA', 'aff-B': 'acct_1AffiliateB', 'aff-C': 'acct_1AffiliateC' },
};
const CLOCK = new Date('2026-11-20T12:00:00Z');
const RULES = { payDay: 20, holdingDays: 0, minimum: { USD: '0.01' } };
/** Long enough that a live run never loses its lock here; a dead run's lock is expired by the test ("time passes"). */
const RUN_LEASE_MS = 20_000;
const RANDOM_RUNS = Number(process.env.POSTBACK_PAYOUT_INTERLEAVING_RUNS ?? 8);

// Each test runs many worlds (a store, a fake, two processes, several rounds each).
jest.setTimeout(900_000);

let buildDir: string;
beforeAll(() => {
	buildDir = compileSources();
});

/** One long-lived worker process; respawned after it was killed. */
class Worker {
	private child: ChildProcess | undefined;
	private ready: Promise<void> | undefined;
	private next = 0;

	private spawn(): Promise<void> {
		const child = fork(join(__dirname, 'payout-interleaving-worker.cjs'), [JSON.stringify({ buildDir })], {
			execArgv: [],
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		});
		this.child = child;
		return new Promise((resolve, reject) => {
			child.once('message', () => resolve());
			child.once('exit', (code) => reject(new Error(`payout worker exited before it was ready (${code})`)));
		});
	}

	async run(command: Record<string, unknown>): Promise<WorkerResult> {
		if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) this.ready = this.spawn();
		await this.ready;
		const child = this.child!;
		const id = ++this.next;
		return await new Promise<WorkerResult>((resolve, reject) => {
			const onMessage = (message: { type: string; id: number; message?: string } & WorkerResult) => {
				if (message.id !== id) return;
				child.off('message', onMessage);
				child.off('exit', onExit);
				if (message.type === 'error') reject(new Error(`payout worker failed: ${message.message}`));
				else resolve({ crashed: false, calls: message.calls, reports: message.reports });
			};
			const onExit = (_code: number | null, signal: NodeJS.Signals | null) => {
				child.off('message', onMessage);
				if (signal === 'SIGKILL') resolve({ crashed: true });
				else reject(new Error(`payout worker exited (${String(_code)})`));
			};
			child.on('message', onMessage);
			child.once('exit', onExit);
			child.send({ ...command, id });
		});
	}

	async close(): Promise<void> {
		const child = this.child;
		if (!child || child.exitCode !== null || child.signalCode !== null) return;
		await new Promise<void>((resolve) => {
			child.once('exit', () => resolve());
			child.send({ type: 'close' });
		});
	}
}

/** One store to run a scenario on: its config for the workers, the lease expiry ("time passes"), and disposal. */
interface StoreTarget {
	config: StoreConfig;
	/**
	 * Time passes for a dead run's lock: its lease runs out (and so does the run-lock claim that versions before the
	 * named lease took, so this suite can be pointed at older engines too).
	 */
	expireRunLocks(): Promise<void>;
}
type StoreFactory = () => Promise<StoreTarget>;

/** A provider fake with the views the invariant needs. */
interface ProviderFake {
	provider: Provider;
	config: Record<string, unknown>;
	/** Cents sent to each affiliate and not failed, returned, reversed or cancelled (PayPal: claimable counts). */
	sent(): Record<Affiliate, number>;
	close(): Promise<void>;
}

async function paypalFake(): Promise<ProviderFake & { fake: PayPalFake }> {
	const fake = await startPayPalFake({ now: () => CLOCK });
	const affiliateOf = Object.fromEntries(Object.entries(RECEIVERS.paypal).map(([affiliate, receiver]) => [receiver, affiliate as Affiliate]));
	return {
		fake,
		provider: 'paypal',
		config: { clientId: PAYPAL_FAKE_CLIENT_ID, clientSecret: PAYPAL_FAKE_CLIENT_SECRET, environment: 'sandbox', baseUrl: fake.url },
		sent() {
			const sent = { 'aff-A': 0, 'aff-B': 0, 'aff-C': 0 };
			for (const item of fake.paidItems()) {
				if (['FAILED', 'RETURNED', 'BLOCKED', 'REFUNDED', 'REVERSED'].includes(item.status)) continue;
				sent[affiliateOf[item.receiver]] += Math.round(Number(item.amount) * 100);
			}
			return sent;
		},
		close: async () => {
			fake.releaseHung();
			await fake.close();
		},
	};
}

async function stripeFake(): Promise<ProviderFake & { fake: StripeFake }> {
	const fake = await startStripeFake({ now: () => CLOCK, balance: { usd: 10_000_000 }, accounts: Object.values(RECEIVERS.stripe).map((id) => ({ id })) });
	const affiliateOf = Object.fromEntries(Object.entries(RECEIVERS.stripe).map(([affiliate, account]) => [account, affiliate as Affiliate]));
	return {
		fake,
		provider: 'stripe',
		config: { secretKey: STRIPE_FAKE_SECRET_KEY, baseUrl: fake.url },
		sent() {
			const sent = { 'aff-A': 0, 'aff-B': 0, 'aff-C': 0 };
			for (const transfer of fake.transfers()) sent[affiliateOf[transfer.destination]] += transfer.amount - transfer.amountReversed;
			return sent;
		},
		close: async () => {
			fake.releaseHung();
			await fake.close();
		},
	};
}

/** The scenario's world: one store, one fake, two worker processes, and the ledger's side of the invariant. */
class World {
	owed: Record<Affiliate, number> = { 'aff-A': 0, 'aff-B': 0, 'aff-C': 0 };
	private lines = 0;
	log: string[] = [];

	constructor(
		readonly target: StoreTarget,
		readonly provider: ProviderFake & { fake: PayPalFake | StripeFake },
		readonly store: TrackingStore,
		readonly workers: [Worker, Worker],
	) {}

	async credit(affiliate: Affiliate, cents: number): Promise<void> {
		const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
		await this.store.addLedgerEntry({
			id: `line-${++this.lines}`,
			affiliateId: affiliate,
			kind: 'commission',
			amount,
			currency: 'USD',
			status: 'approved',
			occurredAt: '2026-10-03T10:00:00.000Z',
			recordedAt: '2026-10-03T10:00:00.000Z',
		});
		this.owed[affiliate] += cents;
	}

	command(op: 'pay' | 'sync', crash?: Crash): Record<string, unknown> {
		return {
			op,
			storeConfig: this.target.config,
			provider: this.provider.provider,
			providerConfig: this.provider.config,
			rules: RULES,
			asOf: CLOCK.toISOString(),
			receivers: Object.entries(RECEIVERS[this.provider.provider]).map(([affiliate, receiver]) => [affiliate, { receiver }]),
			runLeaseMs: RUN_LEASE_MS,
			...(crash ? { crash } : {}),
		};
	}

	/** Both processes at once; a run killed mid-way leaves its lock, which then runs out before the next round. */
	async round(ops: Array<{ op: Op; crash?: Crash }>): Promise<WorkerResult[]> {
		// The invariant is watched while the processes work too, not only between rounds.
		const violations: string[] = [];
		const watch = setInterval(() => {
			try {
				this.checkNeverMore();
			} catch (error) {
				violations.push((error as Error).message);
			}
		}, 5);
		let results: WorkerResult[];
		try {
			results = await Promise.all(
				ops.map(({ op, crash }, index) => (op === 'idle' ? Promise.resolve({ crashed: false }) : this.workers[index].run(this.command(op, crash)))),
			);
		} finally {
			clearInterval(watch);
		}
		if (violations.length > 0) throw new Error(`during a round: ${violations[0]}`);
		this.log.push(
			ops.map(({ op, crash }, index) => `${op}${crash ? `(crash ${crash.when} ${crash.call})` : ''}${results[index].crashed ? ' killed' : ''}`).join(' ∥ '),
		);
		if (results.some((result) => result.crashed)) await this.target.expireRunLocks();
		return results;
	}

	/** Never more than owed, for anyone, at any time. */
	checkNeverMore(): void {
		const sent = this.provider.sent();
		for (const affiliate of AFFILIATES) {
			if (sent[affiliate] > this.owed[affiliate]) {
				throw new Error(`${affiliate} was sent ${sent[affiliate]} cents but is owed ${this.owed[affiliate]}\n${this.log.join('\n')}`);
			}
		}
	}

	/** The provider settles what it holds (PayPal: pending and held items succeed; unclaimed ones stay unclaimed). */
	settleEverything(): void {
		if (this.provider.provider !== 'paypal') return;
		const fake = this.provider.fake as PayPalFake;
		for (const batch of fake.batches()) {
			const held = batch.items.filter((item) => item.status === 'PENDING' || item.status === 'ONHOLD');
			if (held.length > 0)
				fake.settle(batch.payoutBatchId, { bySenderItemId: Object.fromEntries(held.map((item) => [item.senderItemId!, 'SUCCESS' as const])) });
		}
	}

	/** Final Pay and Sync runs with nothing failing, until every line is paid; then sent == owed exactly. */
	async settleAndCheckExact(): Promise<void> {
		if (this.provider.provider === 'stripe') (this.provider.fake as StripeFake).setBalance({ usd: 10_000_000 });
		for (let pass = 0; pass < 6; pass++) {
			this.settleEverything();
			await this.round([{ op: 'pay' }, { op: 'idle' }]);
			this.checkNeverMore();
			this.settleEverything();
			await this.round([{ op: 'sync' }, { op: 'idle' }]);
			this.checkNeverMore();
			const lines = await this.store.listLedger();
			if (lines.every((line) => line.settlement === 'paid')) break;
		}
		const lines = await this.store.listLedger();
		const unpaid = lines.filter((line) => line.settlement !== 'paid');
		if (unpaid.length > 0) {
			const items = await this.store.listPayoutItems();
			throw new Error(
				`lines left unpaid: ${unpaid.map((line) => `${line.id} ${line.settlement}`).join(', ')}; items ${items.map((item) => `${item.affiliateId} ${item.state} ${item.error ?? ''}`).join(' | ')}\n${this.log.join('\n')}`,
			);
		}
		expect({ sent: this.provider.sent(), log: this.log }).toEqual({ sent: this.owed, log: this.log });
	}
}

async function withWorld(makeStore: StoreFactory, provider: Provider, workers: [Worker, Worker], body: (world: World) => Promise<void>): Promise<void> {
	const target = await makeStore();
	const fake = provider === 'paypal' ? await paypalFake() : await stripeFake();
	const store = await openStore(target.config);
	try {
		await body(new World(target, fake, store, workers));
	} finally {
		await store.close();
		await fake.close();
	}
}

/** How many provider calls a Pay makes in this world's state (run on a copy: a dry count in a scratch world). */
async function countPayCalls(makeStore: StoreFactory, provider: Provider, workers: [Worker, Worker], setup: (world: World) => Promise<void>): Promise<number> {
	let calls = 0;
	await withWorld(makeStore, provider, workers, async (world) => {
		await setup(world);
		calls = (await world.round([{ op: 'pay' }, { op: 'idle' }]))[0].calls!;
	});
	return calls;
}

const PAYPAL_STATUSES: PayPalTransactionStatus[] = ['SUCCESS', 'UNCLAIMED', 'FAILED', 'RETURNED', 'ONHOLD'];

interface RoundSpec {
	ops: [{ op: Op; crash?: Crash }, { op: Op; crash?: Crash }];
	fault: { kind: 'none' } | { kind: 'late'; ms: number; beforeApplying: boolean; target: Affiliate } | { kind: 'fail'; count: number; afterApplying: boolean };
	settle: Partial<Record<Affiliate, PayPalTransactionStatus>>;
	credit?: { affiliate: Affiliate; cents: number };
	lowBalance: boolean;
}

const crashArb: fc.Arbitrary<Crash | undefined> = fc.option(
	fc.record({ call: fc.integer({ min: 1, max: 8 }), when: fc.constantFrom<'before' | 'after'>('before', 'after') }),
	{ freq: 2, nil: undefined },
);
const opArb = fc
	.record({ op: fc.constantFrom<Op>('pay', 'pay', 'sync', 'idle'), crash: crashArb })
	.map(({ op, crash }) => (crash && op !== 'idle' ? { op, crash } : { op }));
const roundArb: fc.Arbitrary<RoundSpec> = fc.record({
	ops: fc.tuple(opArb, opArb),
	fault: fc.oneof(
		fc.constant({ kind: 'none' as const }),
		fc.record({
			kind: fc.constant('late' as const),
			ms: fc.integer({ min: 20, max: 250 }),
			beforeApplying: fc.boolean(),
			target: fc.constantFrom(...AFFILIATES),
		}),
		fc.record({ kind: fc.constant('fail' as const), count: fc.integer({ min: 1, max: 3 }), afterApplying: fc.boolean() }),
	),
	settle: fc.record(
		{ 'aff-A': fc.constantFrom(...PAYPAL_STATUSES), 'aff-B': fc.constantFrom(...PAYPAL_STATUSES), 'aff-C': fc.constantFrom(...PAYPAL_STATUSES) },
		{ requiredKeys: [] },
	),
	credit: fc.option(fc.record({ affiliate: fc.constantFrom(...AFFILIATES), cents: fc.integer({ min: 1, max: 50_000 }) }), { nil: undefined }),
	lowBalance: fc.boolean(),
});
const scenarioArb = fc.record({
	initial: fc.array(fc.record({ affiliate: fc.constantFrom(...AFFILIATES), cents: fc.integer({ min: 1, max: 50_000 }) }), { minLength: 1, maxLength: 5 }),
	rounds: fc.array(roundArb, { minLength: 1, maxLength: 4 }),
});

function applyFault(world: World, round: RoundSpec): void {
	const { fault } = round;
	if (world.provider.provider === 'stripe') {
		const fake = world.provider.fake as StripeFake;
		fake.setBalance({ usd: round.lowBalance ? 3_000 : 10_000_000 });
		if (fault.kind === 'late')
			fake.hangNext(1, { answerAfterMs: fault.ms, beforeApplying: fault.beforeApplying, match: (request) => request.rawBody.includes(fault.target) });
		if (fault.kind === 'fail') fake.failNext(fault.count, { status: 500, afterApplying: fault.afterApplying });
		return;
	}
	const fake = world.provider.fake as PayPalFake;
	if (fault.kind === 'late') fake.hangNext(1, { answerAfterMs: fault.ms });
	if (fault.kind === 'fail') fake.failNext(fault.count, { status: 500, afterAccepting: fault.afterApplying });
}

/** PayPal moves items it holds (pending, held) to the round's statuses; an unclaimed one may be claimed (SUCCESS). */
function applySettlement(world: World, round: RoundSpec): void {
	if (world.provider.provider !== 'paypal') return;
	const fake = world.provider.fake as PayPalFake;
	const affiliateOf = Object.fromEntries(Object.entries(RECEIVERS.paypal).map(([affiliate, receiver]) => [receiver, affiliate as Affiliate]));
	for (const batch of fake.batches()) {
		const changes: Record<string, PayPalTransactionStatus> = {};
		for (const item of batch.items) {
			const status = round.settle[affiliateOf[item.receiver]];
			if (!status) continue;
			if (item.status === 'PENDING' || item.status === 'ONHOLD' || (item.status === 'UNCLAIMED' && status === 'SUCCESS')) changes[item.senderItemId!] = status;
		}
		if (Object.keys(changes).length > 0) fake.settle(batch.payoutBatchId, { bySenderItemId: changes });
	}
}

function describePayoutInterleavings(name: string, makeStore: () => StoreFactory): void {
	describe(`${name}: two processes interleave Pay, Pay and Sync, dying at provider call boundaries`, () => {
		const workers: [Worker, Worker] = [new Worker(), new Worker()];
		afterAll(async () => {
			await Promise.all(workers.map((worker) => worker.close()));
		});

		for (const provider of ['paypal', 'stripe'] as const) {
			const credit3 = async (world: World) => {
				await world.credit('aff-A', 6_000);
				await world.credit('aff-B', 7_050);
				await world.credit('aff-C', 8_099);
			};

			it(`${provider}: a Pay killed at every call boundary (with a Sync beside it) never pays twice and ends exact`, async () => {
				const factory = makeStore();
				const calls = await countPayCalls(factory, provider, workers, credit3);
				expect(calls).toBeGreaterThan(0);
				for (let call = 1; call <= calls; call++) {
					for (const when of ['before', 'after'] as const) {
						await withWorld(factory, provider, workers, async (world) => {
							await credit3(world);
							const [pay] = await world.round([{ op: 'pay', crash: { call, when } }, { op: 'sync' }]);
							expect(pay.crashed).toBe(true);
							world.checkNeverMore();
							await world.settleAndCheckExact();
						});
					}
				}
			});

			it(`${provider}: a Pay resuming what a killed or settled run left, killed at every call boundary (a Sync beside it or not), never pays twice and ends exact`, async () => {
				const factory = makeStore();
				// PayPal: the first batch settles as unclaimed, returned and held; Stripe: the first run dies after its
				// second transfer call, so one transfer is made and unrecorded and one line was never sent.
				const setup = async (world: World) => {
					await credit3(world);
					if (provider === 'paypal') {
						await world.round([{ op: 'pay' }, { op: 'idle' }]);
						applySettlement(world, { settle: { 'aff-A': 'UNCLAIMED', 'aff-B': 'RETURNED', 'aff-C': 'ONHOLD' } } as RoundSpec);
					} else {
						await world.round([{ op: 'pay', crash: { call: 4, when: 'after' } }, { op: 'idle' }]);
					}
				};
				const calls = await countPayCalls(factory, provider, workers, setup);
				expect(calls).toBeGreaterThan(1);
				for (let call = 1; call <= calls; call++) {
					for (const when of ['before', 'after'] as const) {
						// With a Sync beside it, and alone (a Sync would resolve PayPal's unclaimed item before the Pay does).
						for (const beside of ['sync', 'idle'] as const) {
							await withWorld(factory, provider, workers, async (world) => {
								await setup(world);
								world.checkNeverMore();
								await world.round([{ op: 'pay', crash: { call, when } }, { op: beside }]);
								world.checkNeverMore();
								await world.settleAndCheckExact();
							});
						}
					}
				}
			});

			it(`${provider}: random interleavings of Pay, Pay, Sync, deaths, late and lost answers and settlements (fast-check)`, async () => {
				const factory = makeStore();
				await fc.assert(
					fc.asyncProperty(scenarioArb, async (scenario) => {
						await withWorld(factory, provider, workers, async (world) => {
							for (const line of scenario.initial) await world.credit(line.affiliate, line.cents);
							for (const round of scenario.rounds) {
								applyFault(world, round);
								await world.round(round.ops);
								world.checkNeverMore();
								applySettlement(world, round);
								if (round.credit) await world.credit(round.credit.affiliate, round.credit.cents);
								world.checkNeverMore();
							}
							await world.settleAndCheckExact();
						});
					}),
					{ numRuns: RANDOM_RUNS, endOnFailure: true },
				);
			});
		}
	});
}

// ---- the two stores ----------------------------------------------------------------------------------------

const root = mkdtempSync(join(tmpdir(), 'postback-payout-interleavings-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;

describePayoutInterleavings('SQLite', () => async () => {
	const path = join(root, `world-${++files}.sqlite`);
	return {
		config: { kind: 'sqlite', path },
		expireRunLocks: async () => {
			const db = new DatabaseSync(path, { timeout: 5000 });
			try {
				db.prepare(`UPDATE leases SET expires_at = '2000-01-01T00:00:00.000Z' WHERE namespace = 'payout-run'`).run();
				db.prepare(`UPDATE conversion_claims SET claimed_at = '2000-01-01T00:00:00.000Z' WHERE network = 'payout-run'`).run();
			} finally {
				db.close();
			}
		},
	};
});

const SUITE = 'PostgreSQL payout interleavings (test/store/payout-interleavings.test.ts)';
if (postgresAvailable(SUITE)) {
	let server: PostgresServer | undefined;
	const schemas: string[] = [];
	beforeAll(async () => {
		server = await ensurePostgres(SUITE);
		if (!server) throw new Error(`${SUITE}: no PostgreSQL server could be reached or started`);
	}, 120000);
	afterAll(async () => {
		if (!server) return;
		await dropSchemas(server.connectionString, schemas);
		await server.stop();
	});
	describePayoutInterleavings('PostgreSQL', () => async () => {
		const schema = createTestSchemaName('pi');
		schemas.push(schema);
		const connectionString = server!.connectionString;
		return {
			config: { kind: 'postgres', connectionString, schema, poolSize: 2 },
			expireRunLocks: async () => {
				const client = new Client({ connectionString });
				await client.connect();
				try {
					await client.query(`UPDATE "${schema}".leases SET expires_at = now() - interval '1 hour' WHERE namespace = 'payout-run'`);
					await client.query(`UPDATE "${schema}".conversion_claims SET claimed_at = now() - interval '1 hour' WHERE network = 'payout-run'`);
				} finally {
					await client.end();
				}
			},
		};
	});
} else {
	describe.skip('PostgreSQL: two processes interleave Pay, Pay and Sync', () => {
		it('needs a PostgreSQL server', () => undefined);
	});
}
