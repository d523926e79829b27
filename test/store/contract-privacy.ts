/**
 * The privacy part of the store contract (issue 13), run on both stores: retention per kind removes exactly what
 * is older than its cutoff; erasing one person (by email, phone, external id or click id) leaves none of their
 * personal data anywhere in the database (a scan of every row of every table), leaves everyone else's intact, and
 * changes no money: the ledger, payout items, the payout plan and statements read the same before and after.
 */
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import type { LedgerLine, StoredConversion, TrackingStore } from '../../src/store';
import { conversionIdFor, REDACTED_JSON, REDACTED_TEXT } from '../../src/store';
import { planPayouts, statementFor } from '../../src/payouts/run';
import type { StoreHarness } from './contract';

/** One person's data, unique per tag, planted everywhere the package writes personal data. */
export interface Person {
	tag: string;
	email: string;
	phone: string;
	phoneE164: string;
	ip: string;
	userAgent: string;
	externalId: string;
	firstName: string;
	visitorId: string;
	clickId: string;
	otherClickId: string;
	affiliateId: string;
	transactionId: string;
	conversionId: string;
}

export function person(tag: string, n: number): Person {
	const key = { network: 'shareasale', transactionId: `T-${tag}`, eventName: 'Purchase' };
	const last4 = String(1000 + n).slice(-4);
	return {
		tag,
		email: `${tag}.buyer@example.com`,
		phone: `(650) 555-${last4}`,
		phoneE164: `+1650555${last4}`,
		ip: `203.0.113.${(n % 250) + 1}`,
		userAgent: `Mozilla/5.0 (${tag}-agent)`,
		externalId: `ext-${tag}-id`,
		firstName: `Firstname${tag}`,
		visitorId: `vis_${tag}`,
		clickId: `clk_${tag}`,
		otherClickId: `clk2_${tag}`,
		affiliateId: `aff_${tag}`,
		transactionId: key.transactionId,
		conversionId: conversionIdFor(key),
	};
}

/** The texts that must be gone after an erasure (and present before). */
export function personalTexts(p: Person): string[] {
	return [p.email, p.email.toUpperCase(), encodeURIComponent(p.email), p.phone, p.phoneE164, p.ip, p.userAgent, p.externalId, p.firstName, p.visitorId];
}

const RECORDED = '2026-03-01T12:00:05.000Z';

/** Plants a person everywhere: two clicks (same browser), a conversion with user data and raw postback, a status change, ledger lines, a delivery, a lifetime link. */
export async function plant(store: TrackingStore, p: Person, recordedAt = RECORDED, options: { orderIdIsEmail?: boolean } = {}): Promise<void> {
	const clickedAt = new Date(Date.parse(recordedAt) - 3_600_000).toISOString();
	await store.recordClick({
		clickId: p.clickId,
		clickedAt,
		visitorId: p.visitorId,
		ip: p.ip,
		userAgent: p.userAgent,
		gclid: `gclid-${p.tag}`,
		landingUrl: `https://shop.example/?utm_source=x&email=${encodeURIComponent(p.email)}`,
		affiliateId: p.affiliateId,
	});
	await store.recordClick({ clickId: p.otherClickId, clickedAt, visitorId: p.visitorId, ip: p.ip, userAgent: p.userAgent });
	const conversion: StoredConversion = {
		id: p.conversionId,
		network: 'shareasale',
		transactionId: p.transactionId,
		eventName: 'Purchase',
		clickId: p.clickId,
		affiliateId: p.affiliateId,
		status: 'pending',
		amount: '120.5',
		commission: '12.05',
		currency: 'USD',
		occurredAt: recordedAt,
		recordedAt,
		attribution: 'click',
		payload: {
			network: 'shareasale',
			clickId: p.clickId,
			transactionId: p.transactionId,
			// A shop that uses the customer's email as its order id: an erasure must find it in a field it keeps.
			...(options.orderIdIsEmail ? { orderId: `order:${p.email}` } : {}),
			status: 'pending',
			amount: '120.5',
			commission: '12.05',
			currency: 'USD',
			affiliateId: p.affiliateId,
			ip: p.ip,
			subIds: { sub2: p.email.toUpperCase() },
			user: { email: `  ${p.email.toUpperCase()} `, phone: p.phone, firstName: p.firstName, externalId: p.externalId },
			raw: { method: 'GET', query: { tid: p.transactionId, em: p.email, ph: p.phoneE164 }, headers: { 'user-agent': p.userAgent } },
			click: { clickId: p.clickId, ip: p.ip, userAgent: p.userAgent, gclid: `gclid-${p.tag}`, clickedAt },
			attribution: { method: 'click', clickId: p.clickId, affiliateId: p.affiliateId },
			conversionId: p.conversionId,
			route: 'purchase',
			ledger: { affiliateId: p.affiliateId, entries: [{ id: `${p.conversionId}:commission:pending`, amount: '12.05' }] },
		},
	};
	expect(await store.saveConversion(conversion)).toBe(true);
	await store.appendStatus({
		conversionId: p.conversionId,
		status: 'approved',
		at: recordedAt,
		detail: { method: 'POST', body: `status=approved&email=${encodeURIComponent(p.email)}&ext=${p.externalId}` },
	});
	await store.addLedgerEntry(line(p, 'commission', 'pending', '12.05', recordedAt));
	await store.addLedgerEntry(line(p, 'adjustment', 'pending', '-12.05', recordedAt));
	await store.addLedgerEntry(line(p, 'commission', 'approved', '12.05', recordedAt));
	await store.recordDelivery({
		conversionId: p.conversionId,
		destination: 'meta',
		outcome: 'failed',
		code: '100',
		reason: `Invalid parameter em=${p.email}`,
		at: recordedAt,
	});
	await store.recordDelivery({ conversionId: p.conversionId, destination: 'tiktok', outcome: 'sent', eventId: `ev-${p.tag}`, at: recordedAt });
	await store.linkCustomer(createHash('sha256').update(p.email, 'utf8').digest('hex'), p.affiliateId, p.clickId);
}

function line(p: Person, kind: 'commission' | 'adjustment', status: 'pending' | 'approved', amount: string, at: string) {
	return {
		id: `${p.conversionId}:${kind}:${status}`,
		affiliateId: p.affiliateId,
		kind,
		amount,
		currency: 'USD',
		status,
		conversionId: p.conversionId,
		network: 'shareasale',
		transactionId: p.transactionId,
		occurredAt: at,
		recordedAt: at,
		note: `Commission, ${status}`,
	} as const;
}

/** Every row of every table of the store's database, as lower-cased text. */
export async function wholeDatabase(harness: StoreHarness, store: TrackingStore): Promise<string[]> {
	const tables =
		store.kind === 'sqlite'
			? (await harness.query(`SELECT name FROM sqlite_master WHERE type = 'table'`)).map((row) => String(row.name))
			: (await harness.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`)).map((row) => String(row.name));
	expect(tables).toEqual(expect.arrayContaining(['clicks', 'conversions', 'conversion_status_history', 'deliveries', 'customers', 'ledger', 'leases']));
	const rows: string[] = [];
	for (const table of tables) {
		const select = store.kind === 'sqlite' ? `SELECT * FROM "${table}"` : `SELECT t::text AS row FROM "${table}" t`;
		for (const row of await harness.query(select)) rows.push(`${table}: ${JSON.stringify(row)}`.toLowerCase());
	}
	return rows;
}

/** The texts (of `texts`) found anywhere in the database. JSON escapes nothing in these texts but '/', so look for both forms. */
export function found(rows: string[], texts: string[]): string[] {
	return texts.filter((text) => {
		const needle = text.toLowerCase();
		const escaped = JSON.stringify(needle).slice(1, -1);
		return rows.some((row) => row.includes(needle) || row.includes(escaped));
	});
}

/** The money history as every payout path reads it. */
async function moneyHistory(store: TrackingStore, people: Person[]) {
	const ledger = (await store.listLedger()).map((entry: LedgerLine) => ({ ...entry }));
	const items = await store.listPayoutItems();
	const plan = await planPayouts(store, { payDay: 15 }, new Date('2026-06-20T00:00:00Z'));
	const statements = [];
	for (const p of people) statements.push(await statementFor(store, { affiliateId: p.affiliateId, currency: 'USD', period: '2026-03' }));
	const histories = [];
	for (const p of people) histories.push((await store.statusHistory(p.conversionId)).map((change) => ({ status: change.status, at: change.at })));
	const conversions = [];
	for (const p of people) {
		const stored = await store.getConversion(p.conversionId);
		conversions.push(stored && { ...stored, payload: undefined });
	}
	return { ledger, items, plan: JSON.parse(JSON.stringify(plan)) as unknown, statements, histories, conversions };
}

export function describeContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
	describe(`${name}: personal data (retention and erasure)`, () => {
		let harness: StoreHarness;
		let store: TrackingStore;

		beforeEach(async () => {
			harness = await makeHarness();
			store = await harness.open();
		});

		afterEach(async () => {
			await store.close();
			await harness.dispose();
		});

		const keysOf = (p: Person) =>
			({
				email: { email: `  ${p.email.toUpperCase()}  ` },
				phone: { phone: p.phone.replace(/[()\s-]/g, ''), defaultCountry: 'US' },
				phoneWithCountry: { phone: `+1 ${p.phone}` },
				externalId: { externalId: p.externalId },
				clickId: { clickId: p.clickId },
			}) as const;

		for (const keyName of ['email', 'phone', 'phoneWithCountry', 'externalId', 'clickId'] as const) {
			it(`erasing by ${keyName} leaves none of the person's data in any table, another person's intact, and the money history unchanged`, async () => {
				const alice = person('alice', 1);
				const bob = person('bob', 2);
				await plant(store, alice, RECORDED, { orderIdIsEmail: true });
				await plant(store, bob, RECORDED, { orderIdIsEmail: true });
				// A payout that paid Alice's approved line: payout history must survive the erasure unchanged.
				const approved = `${alice.conversionId}:commission:approved`;
				expect(
					await store.reservePayoutItem({
						id: 'pi_alice',
						batchId: 'b1',
						provider: 'paypal',
						period: '2026-03',
						affiliateId: alice.affiliateId,
						currency: 'USD',
						amount: '12.05',
						receiver: 'payee@affiliate.example',
						entryIds: [approved],
					}),
				).toEqual({ outcome: 'reserved' });
				await store.updatePayoutItem('pi_alice', { state: 'paid', providerItemId: 'PI-1' });

				const before = await moneyHistory(store, [alice, bob]);
				const rowsBefore = await wholeDatabase(harness, store);
				expect(found(rowsBefore, personalTexts(alice))).toEqual(personalTexts(alice));

				const report = await store.erasePerson(keysOf(alice)[keyName]);
				expect(report.counts).toEqual({
					conversionsRedacted: 1,
					statusDetailsRedacted: 1,
					deliveriesRedacted: 1,
					clicksDeleted: 2,
					customersDeleted: 1,
					outboxErased: 0,
				});
				// The report names the key, never its value.
				expect(JSON.stringify(report)).not.toContain('alice');

				const rowsAfter = await wholeDatabase(harness, store);
				expect(found(rowsAfter, personalTexts(alice))).toEqual([]);
				expect(found(rowsAfter, personalTexts(bob))).toEqual(personalTexts(bob));
				expect(await moneyHistory(store, [alice, bob])).toEqual(before);

				// Ids and money stay on the conversion; the redaction marker says what happened.
				const redacted = await store.getConversion(alice.conversionId);
				expect(redacted).toMatchObject({
					id: alice.conversionId,
					transactionId: alice.transactionId,
					clickId: alice.clickId,
					amount: '120.5',
					commission: '12.05',
					status: 'approved',
				});
				expect(redacted!.payload).toMatchObject({
					transactionId: alice.transactionId,
					amount: '120.5',
					commission: '12.05',
					user: {},
					subIds: {},
					ip: null,
					raw: REDACTED_TEXT,
					orderId: REDACTED_TEXT,
					click: { clickId: alice.clickId },
					attribution: { method: 'click', clickId: alice.clickId },
					privacy: { redacted: 'personal' },
				});
				expect((await store.statusHistory(alice.conversionId)).map((change) => change.detail)).toEqual([undefined, JSON.parse(REDACTED_JSON)]);
				expect((await store.listDeliveries(alice.conversionId)).map((delivery) => [delivery.destination, delivery.reason, delivery.eventId])).toEqual([
					['meta', REDACTED_TEXT, undefined],
					['tiktok', undefined, `ev-alice`],
				]);
				expect(await store.findClick(alice.clickId)).toBeUndefined();
				expect(await store.findClick(bob.clickId)).toBeDefined();
				expect(await store.findCustomer(createHash('sha256').update(bob.email).digest('hex'))).toEqual({ affiliateId: bob.affiliateId, clickId: bob.clickId });

				// Idempotent: erasing again changes nothing.
				const again = await store.erasePerson(keysOf(alice)[keyName]);
				expect(again.counts).toEqual({
					conversionsRedacted: 0,
					statusDetailsRedacted: 0,
					deliveriesRedacted: 0,
					clicksDeleted: 0,
					customersDeleted: 0,
					outboxErased: 0,
				});
				expect(await wholeDatabase(harness, store)).toEqual(rowsAfter);
			});
		}

		it('reaches the whole person: erasing by phone finds their other conversions by the email the first one carried (Gmail dots too)', async () => {
			const alice = person('alice', 1);
			await plant(store, alice);
			await plant(store, person('bob', 2));
			// Alice again, weeks later, with no phone and no click, under her email written another way.
			const later = { network: 'impact', transactionId: 'IM-9', eventName: 'Purchase' };
			await store.saveConversion({
				id: conversionIdFor(later),
				...later,
				status: 'approved',
				amount: '50',
				commission: '5',
				currency: 'USD',
				occurredAt: RECORDED,
				recordedAt: RECORDED,
				payload: { user: { email: 'Alice.Buyer@Example.com', firstName: 'Ally' }, raw: { method: 'POST', query: {}, body: 'who=Alice.Buyer%40Example.com' } },
			});
			const gmail = { network: 'impact', transactionId: 'IM-10', eventName: 'Purchase' };
			await store.saveConversion({
				id: conversionIdFor(gmail),
				...gmail,
				status: 'approved',
				currency: 'USD',
				occurredAt: RECORDED,
				recordedAt: RECORDED,
				payload: { user: { email: 'a.lice.bu.yer@gmail.com', phone: alice.phoneE164 } },
			});
			const third = { network: 'impact', transactionId: 'IM-11', eventName: 'Purchase' };
			await store.saveConversion({
				id: conversionIdFor(third),
				...third,
				status: 'approved',
				currency: 'USD',
				occurredAt: RECORDED,
				recordedAt: RECORDED,
				payload: { user: { email: 'ALICEBUYER@gmail.com' } },
			});
			const report = await store.erasePerson({ phone: alice.phone, defaultCountry: 'US' });
			expect(report.counts.conversionsRedacted).toBe(4);
			const rows = await wholeDatabase(harness, store);
			expect(found(rows, [...personalTexts(alice), 'Ally', 'alice.buyer%40example.com', 'a.lice.bu.yer@gmail.com', 'alicebuyer@gmail.com'])).toEqual([]);
			expect(found(rows, personalTexts(person('bob', 2)))).toEqual(personalTexts(person('bob', 2)));
		});

		it('erasing someone the store never saw changes nothing', async () => {
			const alice = person('alice', 1);
			await plant(store, alice);
			const rows = await wholeDatabase(harness, store);
			const report = await store.erasePerson({ email: 'nobody@example.com', phone: '+44 20 7946 0000', externalId: 'ext-nobody', clickId: 'clk_nobody' });
			expect(report.keys).toEqual(['email', 'phone', 'externalId', 'clickId']);
			expect(Object.values(report.counts)).toEqual([0, 0, 0, 0, 0, 0]);
			expect(await wholeDatabase(harness, store)).toEqual(rows);
		});

		it('refuses an erasure without a usable key, with a clear reason', async () => {
			await expect(store.erasePerson({})).rejects.toThrow(/at least one of email, phone, externalId, clickId/);
			await expect(store.erasePerson({ email: '   ' })).rejects.toThrow(/at least one/);
			await expect(store.erasePerson({ email: 'not-an-email' })).rejects.toThrow(/not an email/);
			await expect(store.erasePerson({ phone: 'call me' })).rejects.toThrow(/not a phone/);
		});

		it('erasing one person of many, at random, leaves every other person exactly as they were', async () => {
			const people = Array.from({ length: 6 }, (_, index) => person(`p${index}x`, index + 10));
			for (const p of people) await plant(store, p);
			const keyNames = ['email', 'phone', 'externalId', 'clickId'] as const;
			await fc.assert(
				fc.asyncProperty(fc.subarray([...people.keys()], { minLength: 1, maxLength: 3 }), fc.constantFrom(...keyNames), async (erasedIndexes, keyName) => {
					const fresh = await makeHarness();
					const own = await fresh.open();
					try {
						for (const p of people) await plant(own, p);
						const before = await moneyHistory(own, people);
						for (const index of erasedIndexes) await own.erasePerson(keysOf(people[index])[keyName]);
						const rows = await wholeDatabase(fresh, own);
						for (const [index, p] of people.entries()) {
							expect(found(rows, personalTexts(p))).toEqual(erasedIndexes.includes(index) ? [] : personalTexts(p));
						}
						expect(await moneyHistory(own, people)).toEqual(before);
					} finally {
						await own.close();
						await fresh.dispose();
					}
				}),
				{ numRuns: 8 },
			);
		});

		it('the append-only tables still refuse every change but a redaction, and deliveries every delete outside retention', async () => {
			const alice = person('alice', 1);
			await plant(store, alice);
			const refused = async (sql: string) => {
				await expect(harness.query(sql)).rejects.toThrow(/append-only/);
			};
			await refused(`UPDATE conversion_status_history SET status = 'rejected'`);
			await refused(`UPDATE conversion_status_history SET detail = '{"redacted":false}'`);
			await refused(`UPDATE conversion_status_history SET detail = '${REDACTED_JSON}', status = 'rejected'`);
			await refused(`DELETE FROM conversion_status_history`);
			await refused(`UPDATE deliveries SET reason = 'something else'`);
			await refused(`UPDATE deliveries SET reason = '${REDACTED_TEXT}', outcome = 'sent'`);
			await refused(`UPDATE deliveries SET reason = '${REDACTED_TEXT}', event_id = 'other'`);
			await refused(`DELETE FROM deliveries`);
			await refused(`UPDATE ledger SET note = '${REDACTED_TEXT}'`);
			await refused(`DELETE FROM ledger`);
			// The one change each allows.
			await harness.query(`UPDATE deliveries SET reason = '${REDACTED_TEXT}' WHERE reason IS NOT NULL`);
			await harness.query(`UPDATE conversion_status_history SET detail = '${REDACTED_JSON}' WHERE detail IS NOT NULL`);
		});

		describe('retention', () => {
			const NOW = '2026-06-01T00:00:00.000Z';
			const OLD = '2026-01-01T00:00:00.000Z'; // 151 days before NOW
			const NEW = '2026-05-25T00:00:00.000Z'; // 7 days before NOW

			async function plantOldAndNew(): Promise<{ old: Person; young: Person }> {
				const old = person('old', 3);
				const young = person('young', 4);
				await plant(store, old, OLD);
				await plant(store, young, NEW);
				// Lifetime links carry the time they were made (the store's clock): set them to the people's times.
				await harness.query(`UPDATE customers SET linked_at = '${OLD}' WHERE affiliate_id = 'aff_old'`);
				await harness.query(`UPDATE customers SET linked_at = '${NEW}' WHERE affiliate_id = 'aff_young'`);
				return { old, young };
			}

			it('clicks: deletes the clicks older than the cutoff, nothing else; attribution and money stay', async () => {
				const { old, young } = await plantOldAndNew();
				const before = await moneyHistory(store, [old, young]);
				const report = await store.applyRetention({ clicks: 30 }, { now: NOW });
				expect(report.cutoffs).toEqual({ clicks: '2026-05-02T00:00:00.000Z' });
				expect(report.counts).toMatchObject({
					clicksDeleted: 2,
					conversionsRawRedacted: 0,
					conversionsPersonalRedacted: 0,
					customersDeleted: 0,
					deliveriesDeleted: 0,
				});
				expect(await store.findClick(old.clickId)).toBeUndefined();
				expect(await store.findClick(old.otherClickId)).toBeUndefined();
				expect(await store.findClick(young.clickId)).toBeDefined();
				// The conversion still names its click and keeps its attribution.
				expect(await store.getConversion(old.conversionId)).toMatchObject({ clickId: old.clickId, attribution: 'click' });
				expect(await moneyHistory(store, [old, young])).toEqual(before);
			});

			it('raw postbacks: redacts the raw postback of old conversions and status changes only, keeping their user data', async () => {
				const { old, young } = await plantOldAndNew();
				const before = await moneyHistory(store, [old, young]);
				const report = await store.applyRetention({ rawPostbacks: 30 }, { now: NOW });
				expect(report.counts).toMatchObject({ conversionsRawRedacted: 1, conversionsPersonalRedacted: 0, statusDetailsRedacted: 1, clicksDeleted: 0 });
				const oldPayload = (await store.getConversion(old.conversionId))!.payload as Record<string, unknown>;
				expect(oldPayload.raw).toBe(REDACTED_TEXT);
				expect(oldPayload.privacy).toEqual({ redacted: 'raw' });
				expect((oldPayload.user as Record<string, unknown>).externalId).toBe(old.externalId);
				expect((await store.statusHistory(old.conversionId))[1].detail).toEqual(JSON.parse(REDACTED_JSON));
				const youngPayload = (await store.getConversion(young.conversionId))!.payload as Record<string, unknown>;
				expect(youngPayload.raw).toMatchObject({ method: 'GET' });
				expect((await store.statusHistory(young.conversionId))[1].detail).toMatchObject({ method: 'POST' });
				expect(await moneyHistory(store, [old, young])).toEqual(before);
				// Applying it again changes nothing.
				expect((await store.applyRetention({ rawPostbacks: 30 }, { now: NOW })).counts).toMatchObject({ conversionsRawRedacted: 0, statusDetailsRedacted: 0 });
			});

			it('customer data: removes all personal data of old conversions (raw included) and old lifetime links, nothing younger', async () => {
				const { old, young } = await plantOldAndNew();
				const before = await moneyHistory(store, [old, young]);
				const report = await store.applyRetention({ customerData: 30, rawPostbacks: 365 }, { now: NOW });
				expect(report.counts).toMatchObject({
					conversionsPersonalRedacted: 1,
					conversionsRawRedacted: 0,
					statusDetailsRedacted: 1,
					deliveryReasonsRedacted: 1,
					customersDeleted: 1,
					clicksDeleted: 0,
				});
				// Clicks have their own retention.
				const rows = (await wholeDatabase(harness, store)).filter((row) => !row.startsWith('clicks:'));
				expect(
					found(
						rows,
						personalTexts(old).filter((text) => text !== old.visitorId),
					),
				).toEqual([]);
				expect(found(rows, [young.email, young.phone, young.externalId, young.firstName, young.ip])).toEqual([
					young.email,
					young.phone,
					young.externalId,
					young.firstName,
					young.ip,
				]);
				expect(await store.findCustomer(createHash('sha256').update(young.email).digest('hex'))).toBeDefined();
				expect(await moneyHistory(store, [old, young])).toEqual(before);
				expect((await store.applyRetention({ customerData: 30 }, { now: NOW })).counts).toMatchObject({
					conversionsPersonalRedacted: 0,
					customersDeleted: 0,
					statusDetailsRedacted: 0,
				});
			});

			it('delivery records: deletes the lines older than the cutoff only', async () => {
				const { old, young } = await plantOldAndNew();
				const report = await store.applyRetention({ deliveries: 30 }, { now: NOW });
				expect(report.counts.deliveriesDeleted).toBe(2);
				expect(await store.listDeliveries(old.conversionId)).toEqual([]);
				expect(await store.listDeliveries(young.conversionId)).toHaveLength(2);
				// The window that let them go is closed again: nothing else can be deleted.
				await expect(harness.query('DELETE FROM deliveries')).rejects.toThrow(/append-only/);
				expect(await harness.query('SELECT * FROM retention_windows')).toEqual([]);
			});

			it('replay memory: deletes auth-replay leases expired before the cutoff, never a valid one nor another namespace', async () => {
				await store.acquireLease('auth-replay', 'sig-old', { ttlMs: 60_000 });
				await store.acquireLease('auth-replay', 'sig-valid', { ttlMs: 3_600_000 });
				await store.acquireLease('payout-run', 'paypal', { ttlMs: 60_000 });
				await harness.query(`UPDATE leases SET expires_at = '2020-01-01T00:00:00.000Z' WHERE lease_key IN ('sig-old', 'paypal')`);
				// "now" a year ahead: the valid one's expiry is before the cutoff, but it has not expired yet.
				const report = await store.applyRetention({ replayMemory: 0 }, { now: new Date(Date.now() + 365 * 86_400_000).toISOString() });
				expect(report.counts.replayMemoryDeleted).toBe(1);
				expect(await store.getLease('auth-replay', 'sig-old')).toBeUndefined();
				expect(await store.getLease('auth-replay', 'sig-valid')).toBeDefined();
				expect(await store.getLease('payout-run', 'paypal')).toBeDefined();
			});

			it('a kind left out is kept for ever; an empty policy changes nothing', async () => {
				await plantOldAndNew();
				const rows = await wholeDatabase(harness, store);
				const report = await store.applyRetention({}, { now: NOW });
				expect(report.cutoffs).toEqual({});
				expect(Object.values(report.counts).every((count) => count === 0)).toBe(true);
				expect(await wholeDatabase(harness, store)).toEqual(rows);
			});

			it('refuses a bad policy with a clear reason', async () => {
				await expect(store.applyRetention({ clicks: -1 })).rejects.toThrow(/whole number of days/);
				await expect(store.applyRetention({ clicks: 1.5 })).rejects.toThrow(/whole number of days/);
				await expect(store.applyRetention({ cookies: 3 } as never)).rejects.toThrow(/unknown retention kind "cookies"/);
				await expect(store.applyRetention({ clicks: 3 }, { now: '2026-01-01' })).rejects.toThrow(/ISO 8601 with an offset/);
			});
		});
	});
}
