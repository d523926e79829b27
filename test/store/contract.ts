/**
 * The tracking store contract: one suite every implementation must pass, run by sqlite.test.ts and
 * postgres.test.ts. Each test gets a fresh, empty database from the harness.
 */

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { conversionIdFor, DEFAULT_CLAIM_LEASE_MS } from '../../src/store';
import type { ClaimOutcome, ClickRecord, ConversionKey, LedgerEntry, StoredConversion, TrackingStore } from '../../src/store';
import { LATEST_VERSION, MIGRATIONS } from '../../src/store/migrations';

export interface StoreHarness {
	/** Opens a store on this harness's database, migrating it; may be called more than once (each is a new store). */
	open(): Promise<TrackingStore>;
	/** Raw SQL on the same database, tables unqualified: for checks the interface cannot make. */
	query(sql: string): Promise<Array<Record<string, unknown>>>;
	/** Closes what the harness opened and removes the database. */
	dispose(): Promise<void>;
}

const FULL_CLICK: ClickRecord = {
	clickId: 'clk_Az09-_full',
	clickedAt: '2024-05-01T10:00:00.123Z',
	visitorId: 'vis_1',
	network: 'shareasale',
	offerId: 'offer-42',
	offerUrl: 'https://shareasale.example/r.cfm?b=1&u=2&afftrack=clk_Az09-_full',
	affiliateId: 'aff_7',
	fbclid: 'IwAR0abc',
	fbc: 'fb.1.1714557600123.IwAR0abc',
	fbp: 'fb.1.1714557000000.123456789',
	gclid: 'Cj0KCQjw',
	gbraid: '0AAAAA-gbraid',
	wbraid: 'wbraid-1',
	ttclid: 'E.C.P.ttclid',
	ttp: 'ttp-cookie',
	sccid: 'sc-123',
	epik: 'dj0yJnU9',
	rdtCid: 'rdt-456',
	msclkid: 'ms-789',
	gaClientId: '1234567890.1700000000',
	scCookie1: 'scid-cookie-1',
	rdtUuid: '1700000000000.7b1d0c3e-uuid',
	utm: { source: 'facebook', medium: 'cpc', campaign: 'été 2024 — 夏', term: 'shoes', content: 'ad-1' },
	ip: '203.0.113.7',
	userAgent: 'Mozilla/5.0 (X11; Linux x86_64) 🚀',
	referrer: 'https://news.example/artículo?q=ñ',
	landingUrl: 'https://shop.example/landing?utm_source=facebook',
};

function conversion(overrides: Partial<StoredConversion> = {}): StoredConversion {
	const key = { network: 'shareasale', transactionId: 'T-1001', eventName: 'Purchase' };
	return {
		id: conversionIdFor(key),
		...key,
		clickId: 'clk_1',
		affiliateId: 'aff_7',
		status: 'pending',
		amount: '120.5',
		commission: '12.05',
		currency: 'USD',
		occurredAt: '2024-05-01T12:00:00.000Z',
		recordedAt: '2024-05-01T12:00:05.000Z',
		attribution: 'click_id',
		payload: { raw: { tranID: 'T-1001', amount: '120.50' }, userData: { email: 'zoë@example.com' }, list: [1, 2.5, null, true, '✓'] },
		...overrides,
	};
}

function ledger(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
	return {
		id: 'led_1',
		affiliateId: 'aff_7',
		kind: 'commission',
		amount: '12.05',
		currency: 'USD',
		status: 'approved',
		conversionId: 'cv_x',
		network: 'shareasale',
		transactionId: 'T-1001',
		occurredAt: '2024-05-01T12:00:00.000Z',
		recordedAt: '2024-05-01T12:00:05.000Z',
		payoutId: 'po_1',
		note: 'first sale — merci',
		...overrides,
	};
}

export function describeStoreContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
	describe(`${name}: the tracking store contract`, () => {
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

		describe('clicks', () => {
			it('round-trips a click with every optional field', async () => {
				expect(await store.recordClick(FULL_CLICK)).toBe(true);
				expect(await store.findClick(FULL_CLICK.clickId)).toStrictEqual(FULL_CLICK);
			});

			it('keeps click fields without a column of their own (a platform added later) in one JSON column', async () => {
				// A field the store has no column for, next to ones it has: both come back, the store knows no platform.
				const click = { clickId: 'clk_new', clickedAt: '2024-05-01T10:00:00.000Z', rdtCid: 'r-1', acmeClid: 'acme-1', zetaCookie: 'z-1' };
				expect(await store.recordClick(click as ClickRecord)).toBe(true);
				expect(await store.findClick('clk_new')).toStrictEqual(click);
				// Empty and non-text values are not click fields.
				await store.recordClick({ clickId: 'clk_empty', clickedAt: '2024-05-01T10:00:00.000Z', acmeClid: '' } as unknown as ClickRecord);
				expect(await store.findClick('clk_empty')).toStrictEqual({ clickId: 'clk_empty', clickedAt: '2024-05-01T10:00:00.000Z' });
			});

			it('keeps the consent captured with a click, and finds it on every lookup', async () => {
				const consent = { adUserData: 'denied', adPersonalization: 'denied', gpc: true, source: 'gpc' } as const;
				const click: ClickRecord = {
					clickId: 'clk_consent',
					clickedAt: '2024-05-01T10:00:00.000Z',
					visitorId: 'vis_c',
					ip: '203.0.113.7',
					userAgent: 'UA/1',
					consent,
				};
				expect(await store.recordClick(click)).toBe(true);
				expect(await store.findClick('clk_consent')).toStrictEqual(click);
				expect((await store.findClicksByVisitor('vis_c', '2024-01-01T00:00:00.000Z'))[0].consent).toStrictEqual(consent);
				expect((await store.findClicksByIpAndUserAgent('203.0.113.7', 'UA/1', '2024-01-01T00:00:00.000Z'))[0].consent).toStrictEqual(consent);
				// Only the values given are kept: a partial consent comes back as partial, never filled in.
				await store.recordClick({ clickId: 'clk_partial', clickedAt: '2024-05-01T10:00:00.000Z', consent: { adPersonalization: 'denied' } });
				expect((await store.findClick('clk_partial'))?.consent).toStrictEqual({ adPersonalization: 'denied' });
			});

			it('refuses a click whose consent is not a consent object, recording nothing', async () => {
				const bad = (consent: unknown) => ({ clickId: 'clk_badconsent', clickedAt: '2024-05-01T10:00:00.000Z', consent }) as unknown as ClickRecord;
				await expect(store.recordClick(bad({ adUserData: 'yes' }))).rejects.toThrow(/consent/);
				await expect(store.recordClick(bad({ adUserData: 'denied', shoeSize: 9 }))).rejects.toThrow(/consent/);
				await expect(store.recordClick(bad('denied'))).rejects.toThrow(/consent/);
				expect(await store.findClick('clk_badconsent')).toBeUndefined();
			});

			it('round-trips a click with no optional field, returning no extra keys', async () => {
				await store.recordClick({ clickId: 'clk_min', clickedAt: '2024-05-01T10:00:00.000Z' });
				expect(await store.findClick('clk_min')).toStrictEqual({ clickId: 'clk_min', clickedAt: '2024-05-01T10:00:00.000Z' });
			});

			it('keeps an empty utm object and partial utm as given', async () => {
				await store.recordClick({ clickId: 'clk_u1', clickedAt: '2024-05-01T10:00:00.000Z', utm: {} });
				await store.recordClick({ clickId: 'clk_u2', clickedAt: '2024-05-01T10:00:00.000Z', utm: { campaign: 'spring' } });
				expect((await store.findClick('clk_u1'))?.utm).toStrictEqual({});
				expect((await store.findClick('clk_u2'))?.utm).toStrictEqual({ campaign: 'spring' });
			});

			it('stores times in UTC, canonical to the millisecond', async () => {
				await store.recordClick({ clickId: 'clk_tz', clickedAt: '2024-03-10T12:00:00+02:00' });
				expect((await store.findClick('clk_tz'))?.clickedAt).toBe('2024-03-10T10:00:00.000Z');
			});

			it('recording the same click id again is a no-op that returns false', async () => {
				expect(await store.recordClick(FULL_CLICK)).toBe(true);
				expect(await store.recordClick({ ...FULL_CLICK, ip: '198.51.100.1', clickedAt: '2030-01-01T00:00:00.000Z' })).toBe(false);
				expect(await store.findClick(FULL_CLICK.clickId)).toStrictEqual(FULL_CLICK);
			});

			it('an unknown click id is undefined', async () => {
				expect(await store.findClick('nope')).toBeUndefined();
			});

			it('refuses a click with an empty id or a time without an offset, recording nothing', async () => {
				await expect(store.recordClick({ clickId: '', clickedAt: '2024-05-01T10:00:00Z' })).rejects.toThrow(/clickId/);
				await expect(store.recordClick({ clickId: 'clk_bad', clickedAt: '2024-05-01 10:00:00' })).rejects.toThrow(/clickedAt/);
				await expect(store.recordClick({ clickId: 'clk_bad', clickedAt: 'yesterday' })).rejects.toThrow(/clickedAt/);
				expect(await store.findClick('clk_bad')).toBeUndefined();
			});

			it('finds a visitor’s clicks since a time (inclusive), oldest first, ties in recording order', async () => {
				const at = (clickId: string, clickedAt: string, visitorId = 'vis_a') => store.recordClick({ clickId, clickedAt, visitorId });
				await at('c3', '2024-05-03T00:00:00.000Z');
				await at('c1', '2024-05-01T00:00:00.000Z');
				await at('c2b', '2024-05-02T00:00:00.000Z');
				await at('c2a', '2024-05-02T00:00:00.000Z');
				await at('c0', '2024-04-30T23:59:59.999Z');
				await at('other', '2024-05-02T00:00:00.000Z', 'vis_b');
				await store.recordClick({ clickId: 'anon', clickedAt: '2024-05-02T00:00:00.000Z' });
				const found = await store.findClicksByVisitor('vis_a', '2024-05-01T00:00:00.000Z');
				expect(found.map((click) => click.clickId)).toEqual(['c1', 'c2b', 'c2a', 'c3']);
				expect(found[0]).toStrictEqual({ clickId: 'c1', clickedAt: '2024-05-01T00:00:00.000Z', visitorId: 'vis_a' });
				// The same instant written with an offset is the same bound.
				expect((await store.findClicksByVisitor('vis_a', '2024-05-01T02:00:00+02:00')).map((click) => click.clickId)).toEqual(['c1', 'c2b', 'c2a', 'c3']);
				expect(await store.findClicksByVisitor('vis_a', '2024-05-03T00:00:00.001Z')).toEqual([]);
				expect(await store.findClicksByVisitor('vis_zzz', '2000-01-01T00:00:00Z')).toEqual([]);
			});

			it('finds clicks by IP and user agent since a time (inclusive), newest first', async () => {
				const ua = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Ünïcödé';
				const at = (clickId: string, clickedAt: string, ip = '203.0.113.9', userAgent = ua) => store.recordClick({ clickId, clickedAt, ip, userAgent });
				await at('old', '2024-05-01T09:00:00.000Z');
				await at('a', '2024-05-01T10:00:00.000Z');
				await at('c', '2024-05-01T10:30:00.000Z');
				await at('b', '2024-05-01T10:15:00.000Z');
				await at('other-ip', '2024-05-01T10:20:00.000Z', '203.0.113.10');
				await at('other-ua', '2024-05-01T10:20:00.000Z', '203.0.113.9', `${ua} x`);
				const found = await store.findClicksByIpAndUserAgent('203.0.113.9', ua, '2024-05-01T10:00:00.000Z');
				expect(found.map((click) => click.clickId)).toEqual(['c', 'b', 'a']);
				expect(found[2]).toStrictEqual({ clickId: 'a', clickedAt: '2024-05-01T10:00:00.000Z', ip: '203.0.113.9', userAgent: ua });
			});

			it('finds by a very long user agent and visitor id', async () => {
				const long = 'UA/'.padEnd(6000, 'x') + Math.random().toString(36);
				const visitor = 'v'.repeat(5000) + Math.random().toString(36);
				await store.recordClick({ clickId: 'long', clickedAt: '2024-05-01T10:00:00.000Z', userAgent: long, ip: '::1', visitorId: visitor });
				expect((await store.findClicksByIpAndUserAgent('::1', long, '2024-05-01T00:00:00Z')).map((click) => click.clickId)).toEqual(['long']);
				expect((await store.findClicksByVisitor(visitor, '2024-05-01T00:00:00Z')).map((click) => click.clickId)).toEqual(['long']);
			});
		});

		describe('dedup claims', () => {
			const key = { network: 'shareasale', transactionId: 'T-1', eventName: 'Purchase' };

			it('the first claim of a key is first, every later one duplicate', async () => {
				expect(await store.claimConversion(key)).toBe('first');
				expect(await store.claimConversion(key)).toBe('duplicate');
				expect(await store.claimConversion({ ...key })).toBe('duplicate');
			});

			it('each part of the key counts: another event, network or transaction is first', async () => {
				await store.claimConversion(key);
				expect(await store.claimConversion({ ...key, eventName: 'Lead' })).toBe('first');
				expect(await store.claimConversion({ ...key, network: 'awin' })).toBe('first');
				expect(await store.claimConversion({ ...key, transactionId: 'T-2' })).toBe('first');
				expect(await store.claimConversion({ ...key, transactionId: 't-1' })).toBe('first');
			});

			it('parts never run together: ("a|b","c") and ("a","b|c") are different keys', async () => {
				expect(await store.claimConversion({ network: 'a|b', transactionId: 'c', eventName: 'e' })).toBe('first');
				expect(await store.claimConversion({ network: 'a', transactionId: 'b|c', eventName: 'e' })).toBe('first');
				expect(await store.claimConversion({ network: 'ab', transactionId: 'c', eventName: 'e' })).toBe('first');
				expect(await store.claimConversion({ network: 'a', transactionId: 'bc', eventName: 'e' })).toBe('first');
			});

			it('an empty or blank part throws, and claims nothing', async () => {
				for (const bad of [
					{ ...key, network: '' },
					{ ...key, transactionId: '' },
					{ ...key, eventName: '' },
					{ ...key, transactionId: '   ' },
					{ ...key, transactionId: undefined as unknown as string },
					{ ...key, transactionId: 42 as unknown as string },
				]) {
					await expect(store.claimConversion(bad)).rejects.toThrow(/network|transactionId|eventName/);
				}
				expect(await store.claimConversion(key)).toBe('first');
			});

			it('unicode keys work and stay distinct', async () => {
				expect(await store.claimConversion({ network: 'réseau', transactionId: '取引-①', eventName: 'Achat 🛒' })).toBe('first');
				expect(await store.claimConversion({ network: 'réseau', transactionId: '取引-①', eventName: 'Achat 🛒' })).toBe('duplicate');
				// NFC and NFD spellings are different byte strings: the store compares exactly, it does not normalize.
				expect(await store.claimConversion({ network: 'réseau'.normalize('NFD'), transactionId: '取引-①', eventName: 'Achat 🛒' })).toBe('first');
			});

			it('concurrent claims of one key inside a process yield exactly one first', async () => {
				const results = await Promise.all(Array.from({ length: 25 }, () => store.claimConversion({ ...key, transactionId: 'race' })));
				expect(results.filter((result) => result === 'first')).toHaveLength(1);
				expect(results.filter((result) => result === 'duplicate')).toHaveLength(24);
			});

			it('property: any non-blank key is first once, then duplicate', async () => {
				const part = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }).filter((text) => text.trim() !== '' && !text.includes('\u0000'));
				await fc.assert(
					fc.asyncProperty(part, part, part, async (network, transactionId, eventName) => {
						const claim = { network: `p:${network}`, transactionId, eventName };
						expect(await store.claimConversion(claim)).toBe('first');
						expect(await store.claimConversion(claim)).toBe('duplicate');
					}),
					{ numRuns: 40 },
				);
			});
		});

		describe('leased claims', () => {
			const key = (transactionId: string): ConversionKey => ({ network: 'lease', transactionId, eventName: 'Purchase' });
			/** Moves a claim's time far into the past (as if its holder died long ago), by the database's own column. */
			const expire = (transactionId: string) =>
				harness.query(`UPDATE conversion_claims SET claimed_at = '2000-01-01T00:00:00.000Z' WHERE network = 'lease' AND transaction_id = '${transactionId}'`);
			const row = async (transactionId: string) => {
				const [found] = await harness.query(
					`SELECT state, holder, takeovers FROM conversion_claims WHERE network = 'lease' AND transaction_id = '${transactionId}'`,
				);
				return found ? { state: found.state, holder: found.holder, takeovers: Number(found.takeovers) } : undefined;
			};
			const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

			it('a new claim is pending, with a holder token and the database’s time; within the lease it is an in-flight duplicate', async () => {
				const before = Date.now();
				const first = await store.claimConversionDetailed(key('new'));
				expect(first).toStrictEqual({ result: 'first', state: 'new', token: expect.stringMatching(/^[\w-]{22}$/), claimedAt: expect.any(String) });
				// The database's clock, on this host (SQLite) or a local server (PostgreSQL): close to ours.
				expect(Math.abs(Date.parse(first.claimedAt!) - before)).toBeLessThan(5000);
				expect(first.claimedAt).toBe(new Date(Date.parse(first.claimedAt!)).toISOString());
				expect(await row('new')).toEqual({ state: 'pending', holder: first.token, takeovers: 0 });

				for (const leaseMs of [undefined, DEFAULT_CLAIM_LEASE_MS, 60_000]) {
					expect(await store.claimConversionDetailed(key('new'), leaseMs === undefined ? undefined : { leaseMs })).toStrictEqual({
						result: 'duplicate',
						state: 'in-flight',
						claimedAt: first.claimedAt,
					});
				}
				expect(await store.claimConversion(key('new'))).toBe('duplicate');
				expect(await row('new')).toEqual({ state: 'pending', holder: first.token, takeovers: 0 });
			});

			it('takes a pending claim over once its lease has run out, and only then', async () => {
				const first = await store.claimConversionDetailed(key('expired'));
				await expire('expired');
				const second = await store.claimConversionDetailed(key('expired'));
				expect(second).toMatchObject({ result: 'first', state: 'taken-over' });
				expect(second.token).not.toBe(first.token);
				expect(Math.abs(Date.parse(second.claimedAt!) - Date.now())).toBeLessThan(5000);
				expect(await row('expired')).toEqual({ state: 'pending', holder: second.token, takeovers: 1 });
				// The new holder's lease runs from now: no second takeover.
				expect(await store.claimConversionDetailed(key('expired'))).toMatchObject({ result: 'duplicate', state: 'in-flight' });
				expect(await store.claimConversion(key('expired'))).toBe('duplicate');
				// The old holder can no longer complete (or release) it; the new one can.
				expect(await store.completeClaim(key('expired'), { token: first.token })).toBe(false);
				expect(await store.releaseClaim(key('expired'), { token: first.token! })).toBe(false);
				expect(await store.completeClaim(key('expired'), { token: second.token })).toBe(true);
				expect(await row('expired')).toEqual({ state: 'done', holder: second.token, takeovers: 1 });
			});

			it('the lease is timed by the database’s clock and is the claimer’s: a short lease takes over, a long one does not', async () => {
				await store.claimConversionDetailed(key('clock'));
				await sleep(80);
				expect(await store.claimConversionDetailed(key('clock'), { leaseMs: 60_000 })).toMatchObject({ result: 'duplicate', state: 'in-flight' });
				expect(await store.claimConversionDetailed(key('clock'), { leaseMs: 20 })).toMatchObject({ result: 'first', state: 'taken-over' });
				expect(await store.claimConversionDetailed(key('clock'), { leaseMs: 60_000 })).toMatchObject({ result: 'duplicate', state: 'in-flight' });
				// claimConversion takes the same options.
				await sleep(80);
				expect(await store.claimConversion(key('clock'), { leaseMs: 20 })).toBe('first');
				expect((await row('clock'))?.takeovers).toBe(2);
			});

			it('a completed claim is a duplicate for ever: no lease, however short or old, takes it over', async () => {
				const first = await store.claimConversionDetailed(key('done'));
				expect(await store.completeClaim(key('done'), { token: first.token })).toBe(true);
				await expire('done');
				for (const leaseMs of [1, 1000, DEFAULT_CLAIM_LEASE_MS]) {
					expect(await store.claimConversionDetailed(key('done'), { leaseMs })).toStrictEqual({
						result: 'duplicate',
						state: 'done',
						claimedAt: '2000-01-01T00:00:00.000Z',
					});
					expect(await store.claimConversion(key('done'), { leaseMs })).toBe('duplicate');
				}
				// Completing again is idempotent; a completed claim cannot be released.
				expect(await store.completeClaim(key('done'), { token: first.token })).toBe(true);
				expect(await store.completeClaim(key('done'))).toBe(true);
				expect(await store.releaseClaim(key('done'), { token: first.token! })).toBe(false);
				expect(await row('done')).toEqual({ state: 'done', holder: first.token, takeovers: 0 });
			});

			it('claimConversion without a lease is the plain library contract: the claim is final at once', async () => {
				expect(await store.claimConversion(key('plain'))).toBe('first');
				expect(await row('plain')).toMatchObject({ state: 'done' });
				await expire('plain');
				expect(await store.claimConversion(key('plain'))).toBe('duplicate');
				expect(await store.claimConversionDetailed(key('plain'), { leaseMs: 1 })).toMatchObject({ result: 'duplicate', state: 'done' });
			});

			it('completeClaim without a token completes whoever holds the claim; an unknown key is false', async () => {
				await store.claimConversion(key('anyone'));
				expect(await store.completeClaim(key('anyone'))).toBe(true);
				expect(await store.claimConversionDetailed(key('anyone'), { leaseMs: 1 })).toMatchObject({ result: 'duplicate', state: 'done' });
				expect(await store.completeClaim(key('nobody'))).toBe(false);
				expect(await store.completeClaim(key('nobody'), { token: 'tok' })).toBe(false);
				// Completing does not claim.
				expect(await store.claimConversion(key('nobody'))).toBe('first');
			});

			it('a released claim is taken over by the next claimer at once; only its holder can release it, once', async () => {
				const first = await store.claimConversionDetailed(key('released'));
				expect(await store.releaseClaim(key('released'), { token: 'someone-else' })).toBe(false);
				expect(await store.releaseClaim(key('released'), { token: first.token! })).toBe(true);
				expect(await store.releaseClaim(key('released'), { token: first.token! })).toBe(false);
				expect(await row('released')).toEqual({ state: 'released', holder: first.token, takeovers: 0 });
				const second = await store.claimConversionDetailed(key('released'), { leaseMs: DEFAULT_CLAIM_LEASE_MS });
				expect(second).toMatchObject({ result: 'first', state: 'taken-over' });
				expect(await store.claimConversionDetailed(key('released'))).toMatchObject({ result: 'duplicate', state: 'in-flight' });
				expect(await store.completeClaim(key('released'), { token: first.token })).toBe(false);
				expect(await store.completeClaim(key('released'), { token: second.token })).toBe(true);
			});

			it('concurrent takeovers of one expired claim inside a process yield exactly one first', async () => {
				for (const transactionId of ['race-expired', 'race-released']) {
					const held = await store.claimConversionDetailed(key(transactionId));
					if (transactionId === 'race-released') await store.releaseClaim(key(transactionId), { token: held.token! });
					else await expire(transactionId);
					const outcomes = await Promise.all(Array.from({ length: 25 }, () => store.claimConversionDetailed(key(transactionId))));
					const firsts = outcomes.filter((outcome) => outcome.result === 'first');
					expect(firsts).toHaveLength(1);
					expect(firsts[0].state).toBe('taken-over');
					expect(outcomes.filter((outcome) => outcome.result === 'duplicate').every((outcome) => outcome.state === 'in-flight')).toBe(true);
					expect(await row(transactionId)).toEqual({ state: 'pending', holder: firsts[0].token, takeovers: 1 });
				}
			});

			it('concurrent claims of a fresh key yield exactly one first (new) and in-flight duplicates', async () => {
				const outcomes: ClaimOutcome[] = await Promise.all(Array.from({ length: 25 }, () => store.claimConversionDetailed(key('race-new'))));
				expect(outcomes.filter((outcome) => outcome.result === 'first').map((outcome) => outcome.state)).toEqual(['new']);
				expect(outcomes.filter((outcome) => outcome.state === 'in-flight')).toHaveLength(24);
			});

			it('refuses a bad lease, key or token, claiming nothing', async () => {
				for (const leaseMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 8 * 24 * 3_600_000, '100' as unknown as number]) {
					await expect(store.claimConversionDetailed(key('bad'), { leaseMs })).rejects.toThrow(/leaseMs/);
					await expect(store.claimConversion(key('bad'), { leaseMs })).rejects.toThrow(/leaseMs/);
				}
				await expect(store.claimConversion(key('bad'), null as never)).rejects.toThrow(/options/);
				await expect(store.completeClaim({ ...key('bad'), network: '' })).rejects.toThrow(/network/);
				await expect(store.releaseClaim({ ...key('bad'), eventName: ' ' }, { token: 't' })).rejects.toThrow(/eventName/);
				await expect(store.releaseClaim(key('bad'), {} as never)).rejects.toThrow(/token/);
				await expect(store.completeClaim(key('bad'), { token: '' })).rejects.toThrow(/token/);
				expect(await row('bad')).toBeUndefined();
				expect(await store.claimConversionDetailed(key('bad'), { leaseMs: 1 })).toMatchObject({ result: 'first', state: 'new' });
			});
		});

		describe('click sequences', () => {
			it('count 1, 2, 3 per click id, independently', async () => {
				expect(await store.nextClickSequence('clk_a')).toBe(1);
				expect(await store.nextClickSequence('clk_a')).toBe(2);
				expect(await store.nextClickSequence('clk_b')).toBe(1);
				expect(await store.nextClickSequence('clk_a')).toBe(3);
			});

			it('concurrent calls get distinct numbers with no gap', async () => {
				const numbers = await Promise.all(Array.from({ length: 20 }, () => store.nextClickSequence('clk_race')));
				expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
			});

			it('an empty click id throws', async () => {
				await expect(store.nextClickSequence('')).rejects.toThrow(/clickId/);
			});
		});

		describe('conversions and status history', () => {
			it('round-trips a conversion with every optional field', async () => {
				const full = conversion();
				expect(await store.saveConversion(full)).toBe(true);
				expect(await store.getConversion(full.id)).toStrictEqual(full);
			});

			it('round-trips a conversion with no optional field, returning no extra keys', async () => {
				const minimal: StoredConversion = {
					id: 'cv_random_1',
					network: 'custom',
					eventName: 'Lead',
					status: 'approved',
					currency: 'EUR',
					occurredAt: '2024-05-01T12:00:00.000Z',
					recordedAt: '2024-05-01T12:00:00.000Z',
					payload: {},
				};
				expect(await store.saveConversion(minimal)).toBe(true);
				expect(await store.getConversion('cv_random_1')).toStrictEqual(minimal);
			});

			it('keeps money exact', async () => {
				const amounts = ['0.1', '-39.5', '12345678901234.5678', '0', '0.000001', '-0.01', '99999999999999999999.99'];
				for (const [index, amount] of amounts.entries()) {
					await store.saveConversion(conversion({ id: `cv_m${index}`, amount, commission: amount }));
					const saved = await store.getConversion(`cv_m${index}`);
					expect([saved?.amount, saved?.commission]).toEqual([amount, amount]);
				}
			});

			it('returns amounts canonical and refuses floats and exponents', async () => {
				await store.saveConversion(conversion({ id: 'cv_canon', amount: '007.50', commission: '-0.0' }));
				const saved = await store.getConversion('cv_canon');
				expect([saved?.amount, saved?.commission]).toEqual(['7.5', '0']);
				await expect(store.saveConversion(conversion({ id: 'cv_float', amount: 0.1 as unknown as string }))).rejects.toThrow(/amount/);
				await expect(store.saveConversion(conversion({ id: 'cv_exp', commission: '1e3' }))).rejects.toThrow(/commission/);
				await expect(store.saveConversion(conversion({ id: 'cv_status', status: 'paid' as never }))).rejects.toThrow(/status/);
				expect(await store.getConversion('cv_float')).toBeUndefined();
				expect(await store.getConversion('cv_exp')).toBeUndefined();
			});

			it('round-trips any JSON payload', async () => {
				await fc.assert(
					fc.asyncProperty(fc.jsonValue(), async (payload) => {
						const id = `cv_p_${Math.random().toString(36).slice(2)}`;
						await store.saveConversion(conversion({ id, payload }));
						// Through JSON, as n8n items travel: -0 becomes 0.
						expect((await store.getConversion(id))?.payload).toEqual(JSON.parse(JSON.stringify(payload)));
					}),
					{ numRuns: 30 },
				);
			});

			it('saving an id again returns false and changes nothing', async () => {
				const first = conversion();
				await store.saveConversion(first);
				expect(await store.saveConversion(conversion({ status: 'approved', amount: '1', payload: { other: true } }))).toBe(false);
				expect(await store.getConversion(first.id)).toStrictEqual(first);
				expect(await store.statusHistory(first.id)).toHaveLength(1);
			});

			it('an unknown id is undefined', async () => {
				expect(await store.getConversion('cv_nope')).toBeUndefined();
			});

			it('finds every event of one transaction, oldest first', async () => {
				const make = (eventName: string, occurredAt: string, overrides: Partial<StoredConversion> = {}) =>
					conversion({
						id: conversionIdFor({ network: 'shareasale', transactionId: 'T-7', eventName }),
						transactionId: 'T-7',
						eventName,
						occurredAt,
						...overrides,
					});
				await store.saveConversion(make('Refund', '2024-05-10T00:00:00.000Z', { status: 'reversed', amount: '-120.5', commission: '-12.05' }));
				await store.saveConversion(make('Purchase', '2024-05-01T00:00:00.000Z'));
				await store.saveConversion(make('Lead', '2024-04-30T00:00:00.000Z'));
				await store.saveConversion(conversion({ id: 'cv_other_net', network: 'awin', transactionId: 'T-7' }));
				await store.saveConversion(conversion({ id: 'cv_other_tx', transactionId: 'T-8' }));
				const found = await store.findConversionsByTransaction('shareasale', 'T-7');
				expect(found.map((item) => item.eventName)).toEqual(['Lead', 'Purchase', 'Refund']);
				expect(found[2].amount).toBe('-120.5');
				expect(await store.findConversionsByTransaction('shareasale', 'T-404')).toEqual([]);
			});

			it('starts the status history with the saved status at the recorded time', async () => {
				const saved = conversion();
				await store.saveConversion(saved);
				expect(await store.statusHistory(saved.id)).toStrictEqual([{ conversionId: saved.id, status: 'pending', at: saved.recordedAt }]);
			});

			it('appends status changes, updates the current status and never changes earlier lines', async () => {
				const saved = conversion();
				await store.saveConversion(saved);
				const before = await store.statusHistory(saved.id);
				await store.appendStatus({ conversionId: saved.id, status: 'approved', at: '2024-05-20T08:00:00+02:00', detail: { raw: 'Status=approved', n: 1 } });
				expect((await store.getConversion(saved.id))?.status).toBe('approved');
				await store.appendStatus({ conversionId: saved.id, status: 'reversed', at: '2024-06-01T00:00:00.000Z' });
				await store.appendStatus({ conversionId: saved.id, status: 'reversed', at: '2024-06-01T00:00:00.000Z', detail: null });
				const history = await store.statusHistory(saved.id);
				expect(history.slice(0, before.length)).toStrictEqual(before);
				expect(history.slice(1)).toStrictEqual([
					{ conversionId: saved.id, status: 'approved', at: '2024-05-20T06:00:00.000Z', detail: { raw: 'Status=approved', n: 1 } },
					{ conversionId: saved.id, status: 'reversed', at: '2024-06-01T00:00:00.000Z' },
					{ conversionId: saved.id, status: 'reversed', at: '2024-06-01T00:00:00.000Z', detail: null },
				]);
				const current = await store.getConversion(saved.id);
				expect(current).toStrictEqual({ ...saved, status: 'reversed' });
			});

			it('the current status is the last one appended, even when it is dated earlier', async () => {
				const saved = conversion();
				await store.saveConversion(saved);
				await store.appendStatus({ conversionId: saved.id, status: 'approved', at: '2024-05-02T00:00:00.000Z' });
				await store.appendStatus({ conversionId: saved.id, status: 'rejected', at: '2024-05-01T13:00:00.000Z' });
				expect((await store.getConversion(saved.id))?.status).toBe('rejected');
				expect((await store.statusHistory(saved.id)).map((line) => line.status)).toEqual(['pending', 'approved', 'rejected']);
			});

			it('a status change for an unknown conversion throws and adds nothing', async () => {
				await expect(store.appendStatus({ conversionId: 'cv_ghost', status: 'approved', at: '2024-05-01T00:00:00Z' })).rejects.toThrow(/cv_ghost/);
				expect(await store.statusHistory('cv_ghost')).toEqual([]);
				await expect(store.appendStatus({ conversionId: conversion().id, status: 'maybe' as never, at: '2024-05-01T00:00:00Z' })).rejects.toThrow(/status/);
			});

			it('with `from`, appends only while the status is still `from` (compare-and-set)', async () => {
				const saved = conversion();
				await store.saveConversion(saved);
				expect(await store.appendStatus({ conversionId: saved.id, status: 'approved', at: '2024-05-02T00:00:00.000Z' }, { from: 'pending' })).toBe(true);
				// Decided against a stale read (or made a second time): not applied.
				expect(await store.appendStatus({ conversionId: saved.id, status: 'approved', at: '2024-05-02T00:00:01.000Z' }, { from: 'pending' })).toBe(false);
				expect(await store.appendStatus({ conversionId: saved.id, status: 'rejected', at: '2024-05-02T00:00:02.000Z' }, { from: 'pending' })).toBe(false);
				expect((await store.statusHistory(saved.id)).map((line) => line.status)).toEqual(['pending', 'approved']);
				expect((await store.getConversion(saved.id))?.status).toBe('approved');
				expect(await store.appendStatus({ conversionId: saved.id, status: 'reversed', at: '2024-05-03T00:00:00.000Z' }, { from: 'approved' })).toBe(true);
				expect((await store.statusHistory(saved.id)).map((line) => line.status)).toEqual(['pending', 'approved', 'reversed']);
				// Without `from`, as before: always appended.
				expect(await store.appendStatus({ conversionId: saved.id, status: 'reversed', at: '2024-05-04T00:00:00.000Z' })).toBe(true);
				await expect(store.appendStatus({ conversionId: 'cv_ghost', status: 'approved', at: '2024-05-01T00:00:00Z' }, { from: 'pending' })).rejects.toThrow(
					/cv_ghost/,
				);
				await expect(store.appendStatus({ conversionId: saved.id, status: 'approved', at: '2024-05-01T00:00:00Z' }, { from: 'paid' as never })).rejects.toThrow(
					/from/,
				);
			});

			it('concurrent compare-and-set changes from one status: exactly one is applied', async () => {
				const saved = conversion();
				await store.saveConversion(saved);
				const results = await Promise.all(
					Array.from({ length: 12 }, (_, index) =>
						store.appendStatus({ conversionId: saved.id, status: index % 2 ? 'approved' : 'rejected', at: '2024-05-02T00:00:00.000Z' }, { from: 'pending' }),
					),
				);
				expect(results.filter(Boolean)).toHaveLength(1);
				expect(await store.statusHistory(saved.id)).toHaveLength(2);
			});

			it('the database itself refuses to update or delete history lines', async () => {
				const saved = conversion();
				await store.saveConversion(saved);
				await expect(harness.query(`UPDATE conversion_status_history SET status = 'approved'`)).rejects.toThrow(/append-only/);
				await expect(harness.query(`DELETE FROM conversion_status_history`)).rejects.toThrow(/append-only/);
				expect(await store.statusHistory(saved.id)).toHaveLength(1);
			});
		});

		describe('commission ledger', () => {
			it('round-trips a line with every optional field, and with none', async () => {
				const full = ledger();
				const minimal: LedgerEntry = {
					id: 'led_min',
					affiliateId: 'aff_8',
					kind: 'adjustment',
					amount: '-5',
					currency: 'EUR',
					status: 'approved',
					occurredAt: '2024-05-02T00:00:00.000Z',
					recordedAt: '2024-05-02T00:00:00.000Z',
				};
				expect(await store.addLedgerEntry(full)).toBe(true);
				expect(await store.addLedgerEntry(minimal)).toBe(true);
				// Read back with what the store derives: minor units, and the settlement (a payoutId written with the line reads paid).
				expect(await store.listLedger()).toStrictEqual([
					{ ...full, amountMinor: '1205', settlement: 'paid' },
					{ ...minimal, amountMinor: '-500', settlement: 'open' },
				]);
			});

			it('adding an id again is a no-op that returns false', async () => {
				await store.addLedgerEntry(ledger());
				expect(await store.addLedgerEntry(ledger({ amount: '999' }))).toBe(false);
				expect(await store.listLedger()).toStrictEqual([{ ...ledger(), amountMinor: '1205', settlement: 'paid' }]);
				// A line read back (with its derived fields) can be written again: still a no-op.
				expect(await store.addLedgerEntry((await store.listLedger())[0])).toBe(false);
			});

			it('computes amount_minor exactly at insert: USD, JPY, KWD, negatives; absent when not exact or too large', async () => {
				const cases: Array<[string, string, string | undefined]> = [
					['12.05', 'USD', '1205'],
					['0.1', 'USD', '10'],
					['-39.5', 'USD', '-3950'],
					['0', 'USD', '0'],
					['500', 'JPY', '500'],
					['-7', 'JPY', '-7'],
					['1.234', 'KWD', '1234'],
					['-0.001', 'KWD', '-1'],
					['12.3', 'usd', '1230'],
					// 2^63 - 1 minor units: exact through both databases (never a JS float on the way).
					['92233720368547758.07', 'USD', '9223372036854775807'],
					['-92233720368547758.08', 'USD', '-9223372036854775808'],
					// Not representable exactly: the line keeps its decimal amount only.
					['92233720368547758.08', 'USD', undefined],
					['0.005', 'USD', undefined],
					['1.5', 'JPY', undefined],
					['1.2345', 'KWD', undefined],
					['10', 'ZZZ', undefined],
				];
				for (const [index, [amount, currency]] of cases.entries()) {
					await store.addLedgerEntry(
						ledger({ id: `m${index}`, amount, currency, payoutId: undefined, occurredAt: new Date(Date.UTC(2024, 0, 1, 0, index)).toISOString() }),
					);
				}
				const lines = await store.listLedger();
				expect(lines.map((line) => [line.amount, line.currency, line.amountMinor])).toEqual(cases);
				expect(lines.filter((line) => line.amountMinor === undefined).every((line) => !('amountMinor' in line))).toBe(true);
			});

			it('the database itself refuses to update or delete ledger lines', async () => {
				await store.addLedgerEntry(ledger());
				await expect(harness.query(`UPDATE ledger SET amount = '1'`)).rejects.toThrow(/append-only/);
				await expect(harness.query(`DELETE FROM ledger`)).rejects.toThrow(/append-only/);
				expect((await store.listLedger())[0].amount).toBe('12.05');
			});

			it('keeps signed amounts exact', async () => {
				const amounts = ['0.1', '0.2', '-39.5', '12345678901234.5678', '-0.000001'];
				for (const [index, amount] of amounts.entries()) {
					await store.addLedgerEntry(ledger({ id: `led_${index}`, amount, occurredAt: `2024-05-0${index + 1}T00:00:00.000Z` }));
				}
				expect((await store.listLedger()).map((line) => line.amount)).toEqual(amounts);
				await expect(store.addLedgerEntry(ledger({ id: 'led_f', amount: 1.5 as unknown as string }))).rejects.toThrow(/amount/);
				await expect(store.addLedgerEntry(ledger({ id: 'led_k', kind: 'bonus' as never }))).rejects.toThrow(/kind/);
			});

			it('filters by affiliate, currency, unpaid and occurredBefore (exclusive), ordered by occurrence', async () => {
				const lines: LedgerEntry[] = [
					ledger({ id: 'l4', affiliateId: 'A', currency: 'USD', payoutId: undefined, occurredAt: '2024-05-04T00:00:00.000Z' }),
					ledger({ id: 'l1', affiliateId: 'A', currency: 'USD', payoutId: 'po_1', occurredAt: '2024-05-01T00:00:00.000Z' }),
					ledger({ id: 'l2', affiliateId: 'A', currency: 'EUR', payoutId: undefined, occurredAt: '2024-05-02T00:00:00.000Z' }),
					ledger({ id: 'l3', affiliateId: 'B', currency: 'USD', payoutId: undefined, occurredAt: '2024-05-03T00:00:00.000Z', kind: 'reversal', amount: '-3' }),
					ledger({ id: 'l3b', affiliateId: 'A', currency: 'USD', payoutId: undefined, occurredAt: '2024-05-03T00:00:00.000Z' }),
				];
				for (const line of lines) await store.addLedgerEntry(line);
				const ids = async (filter?: Parameters<TrackingStore['listLedger']>[0]) => (await store.listLedger(filter)).map((line) => line.id);
				expect(await ids()).toEqual(['l1', 'l2', 'l3', 'l3b', 'l4']);
				expect(await ids({})).toEqual(['l1', 'l2', 'l3', 'l3b', 'l4']);
				expect(await ids({ affiliateId: 'A' })).toEqual(['l1', 'l2', 'l3b', 'l4']);
				expect(await ids({ currency: 'USD' })).toEqual(['l1', 'l3', 'l3b', 'l4']);
				expect(await ids({ unpaid: true })).toEqual(['l2', 'l3', 'l3b', 'l4']);
				expect(await ids({ unpaid: false })).toEqual(['l1', 'l2', 'l3', 'l3b', 'l4']);
				expect(await ids({ occurredBefore: '2024-05-03T00:00:00.000Z' })).toEqual(['l1', 'l2']);
				expect(await ids({ occurredBefore: '2024-05-03T02:00:00.001+02:00' })).toEqual(['l1', 'l2', 'l3', 'l3b']);
				expect(await ids({ affiliateId: 'A', currency: 'USD', unpaid: true, occurredBefore: '2024-05-04T00:00:00Z' })).toEqual(['l3b']);
				expect(await ids({ affiliateId: 'nobody' })).toEqual([]);
			});
		});

		describe('payout items', () => {
			const line = (id: string, overrides: Partial<LedgerEntry> = {}) =>
				ledger({
					id,
					affiliateId: 'aff_p',
					currency: 'USD',
					amount: '10',
					payoutId: undefined,
					note: undefined,
					occurredAt: '2026-10-05T00:00:00.000Z',
					...overrides,
				});
			const item = (id: string, entryIds: string[], overrides: Partial<Parameters<TrackingStore['reservePayoutItem']>[0]> = {}) => ({
				id,
				batchId: 'batch_2026-10',
				provider: 'paypal',
				period: '2026-10',
				affiliateId: 'aff_p',
				currency: 'USD',
				amount: '30',
				receiver: 'aff@example.com',
				entryIds,
				...overrides,
			});
			const settlements = async () => Object.fromEntries((await store.listLedger({ affiliateId: 'aff_p' })).map((entry) => [entry.id, entry.settlement]));
			const states = async (id: string) => (await store.payoutItemHistory(id)).map((entry) => entry.state);

			beforeEach(async () => {
				for (const id of ['e1', 'e2', 'e3', 'e4']) await store.addLedgerEntry(line(id));
			});

			it('reserves an item in one go: state reserved, its lines locked and held by it, history starting with reserved', async () => {
				const before = Date.now();
				expect(await store.reservePayoutItem(item('pi_1', ['e3', 'e1', 'e2', 'e1']))).toStrictEqual({ outcome: 'reserved' });
				const stored = await store.getPayoutItem('pi_1');
				expect(stored).toStrictEqual({
					...item('pi_1', ['e1', 'e2', 'e3']),
					state: 'reserved',
					createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
					updatedAt: stored?.createdAt,
				});
				expect(Math.abs(Date.parse(stored!.createdAt) - before)).toBeLessThan(5000);
				expect(await settlements()).toEqual({ e1: 'locked', e2: 'locked', e3: 'locked', e4: 'open' });
				expect((await store.listLedger({ affiliateId: 'aff_p' })).map((entry) => entry.payoutItemId)).toEqual(['pi_1', 'pi_1', 'pi_1', undefined]);
				expect(await store.payoutItemHistory('pi_1')).toStrictEqual([{ state: 'reserved', at: stored!.createdAt }]);
				expect(await store.getPayoutItem('pi_nope')).toBeUndefined();
				expect(await store.payoutItemHistory('pi_nope')).toEqual([]);
			});

			it('reserving an id again answers exists with the stored record and changes nothing', async () => {
				await store.reservePayoutItem(item('pi_1', ['e1', 'e2']));
				const stored = await store.getPayoutItem('pi_1');
				expect(await store.reservePayoutItem(item('pi_1', ['e3', 'e4'], { amount: '99' }))).toStrictEqual({ outcome: 'exists', existing: stored });
				expect(await settlements()).toEqual({ e1: 'locked', e2: 'locked', e3: 'open', e4: 'open' });
				expect(await store.payoutItemHistory('pi_1')).toHaveLength(1);
			});

			it('a line held by another live item: entries_taken with those ids, and nothing written', async () => {
				await store.reservePayoutItem(item('pi_1', ['e1', 'e2']));
				expect(await store.reservePayoutItem(item('pi_2', ['e4', 'e2', 'e3', 'e1']))).toStrictEqual({ outcome: 'entries_taken', entryIds: ['e1', 'e2'] });
				expect(await store.getPayoutItem('pi_2')).toBeUndefined();
				expect(await store.payoutItemHistory('pi_2')).toEqual([]);
				expect(await settlements()).toEqual({ e1: 'locked', e2: 'locked', e3: 'open', e4: 'open' });
				expect(await store.listLedger({ payoutItemId: 'pi_2' })).toEqual([]);
				// The same id can then be reserved for lines that are open.
				expect(await store.reservePayoutItem(item('pi_2', ['e3', 'e4']))).toStrictEqual({ outcome: 'reserved' });
			});

			it('a line written with a payoutId is settled already: it cannot be reserved', async () => {
				await store.addLedgerEntry(line('e_legacy', { payoutId: 'po_manual' }));
				expect(await store.reservePayoutItem(item('pi_1', ['e1', 'e_legacy']))).toStrictEqual({ outcome: 'entries_taken', entryIds: ['e_legacy'] });
				expect((await settlements()).e_legacy).toBe('paid');
			});

			it('refuses unknown lines, lines of another affiliate or currency, no lines, and amounts that are not positive or finer than the minor unit, writing nothing', async () => {
				await store.addLedgerEntry(line('e_other', { affiliateId: 'aff_q' }));
				await store.addLedgerEntry(line('e_eur', { currency: 'EUR' }));
				await expect(store.reservePayoutItem(item('pi_x', ['e1', 'e_ghost']))).rejects.toThrow(/e_ghost/);
				await expect(store.reservePayoutItem(item('pi_x', ['e1', 'e_other']))).rejects.toThrow(/e_other/);
				await expect(store.reservePayoutItem(item('pi_x', ['e1', 'e_eur']))).rejects.toThrow(/e_eur/);
				await expect(store.reservePayoutItem(item('pi_x', []))).rejects.toThrow(/entryIds/);
				await expect(store.reservePayoutItem(item('pi_x', ['e1'], { amount: '0' }))).rejects.toThrow(/positive/);
				await expect(store.reservePayoutItem(item('pi_x', ['e1'], { amount: '-3' }))).rejects.toThrow(/positive/);
				await expect(store.reservePayoutItem(item('pi_x', ['e1'], { amount: '1.005' }))).rejects.toThrow(/minor unit/);
				await expect(store.reservePayoutItem(item('pi_x', ['e1'], { amount: 3 as unknown as string }))).rejects.toThrow(/amount/);
				await expect(store.reservePayoutItem(item('pi_x', ['e1'], { receiver: '' }))).rejects.toThrow(/receiver/);
				await expect(store.reservePayoutItem(item('', ['e1']))).rejects.toThrow(/id/);
				expect(await store.getPayoutItem('pi_x')).toBeUndefined();
				expect(await settlements()).toMatchObject({ e1: 'open' });
				expect(await store.reservePayoutItem(item('pi_x', ['e1']))).toStrictEqual({ outcome: 'reserved' });
			});

			it('updates with compare-and-set, keeps provider ids, and appends history in order', async () => {
				await store.reservePayoutItem(item('pi_1', ['e1', 'e2']));
				expect(await store.updatePayoutItem('pi_1', { state: 'submitted', providerBatchId: 'PB-1', note: 'sent' }, { from: ['reserved'] })).toBe(true);
				// Decided on a stale read (or made twice): not applied, nothing appended.
				expect(await store.updatePayoutItem('pi_1', { state: 'submitted' }, { from: ['reserved'] })).toBe(false);
				expect(await store.updatePayoutItem('pi_1', { state: 'failed' }, { from: ['reserved', 'unknown'] })).toBe(false);
				expect(await store.updatePayoutItem('pi_1', { state: 'unknown', error: 'timeout' }, { from: ['submitted'] })).toBe(true);
				expect(await store.updatePayoutItem('pi_1', { state: 'paid', providerItemId: 'PI-9' }, { from: ['submitted', 'unknown'] })).toBe(true);
				const paid = await store.getPayoutItem('pi_1');
				expect(paid).toMatchObject({ state: 'paid', providerBatchId: 'PB-1', providerItemId: 'PI-9', error: 'timeout', entryIds: ['e1', 'e2'] });
				expect(Date.parse(paid!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(paid!.createdAt));
				const history = await store.payoutItemHistory('pi_1');
				expect(history.map(({ at: _at, ...rest }) => rest)).toStrictEqual([
					{ state: 'reserved' },
					{ state: 'submitted', note: 'sent' },
					{ state: 'unknown', error: 'timeout' },
					{ state: 'paid' },
				]);
				expect([...history.map((entry) => entry.at)].sort()).toEqual(history.map((entry) => entry.at));
				// One clock reading per change: the item's updatedAt is its last history line's time.
				expect(paid!.updatedAt).toBe(history[history.length - 1].at);
				expect(await settlements()).toEqual({ e1: 'paid', e2: 'paid', e3: 'open', e4: 'open' });
				// Without `from`: applied whatever the state (within the allowed moves).
				expect(await store.updatePayoutItem('pi_1', { state: 'paid', note: 'sync' })).toBe(true);
				expect(await states('pi_1')).toEqual(['reserved', 'submitted', 'unknown', 'paid', 'paid']);
			});

			it('refuses unknown items, bad states and moves out of paid other than returned', async () => {
				await expect(store.updatePayoutItem('pi_ghost', { state: 'paid' })).rejects.toThrow(/pi_ghost/);
				await expect(store.updatePayoutItem('pi_ghost', { state: 'paid' }, { from: ['reserved'] })).rejects.toThrow(/pi_ghost/);
				await store.reservePayoutItem(item('pi_1', ['e1']));
				await expect(store.updatePayoutItem('pi_1', { state: 'sent' as never })).rejects.toThrow(/state/);
				await expect(store.updatePayoutItem('pi_1', { state: 'paid' }, { from: ['gone' as never] })).rejects.toThrow(/from/);
				await expect(store.updatePayoutItem('pi_1', { state: 'paid', reopen: true })).rejects.toThrow(/reopen/);
				await store.updatePayoutItem('pi_1', { state: 'paid' });
				for (const state of ['reserved', 'submitted', 'unknown', 'failed', 'unclaimed'] as const) {
					await expect(store.updatePayoutItem('pi_1', { state })).rejects.toThrow(/paid/);
				}
				expect(await states('pi_1')).toEqual(['reserved', 'paid']);
				expect((await settlements()).e1).toBe('paid');
			});

			it('failed and returned release the lines: open again, reservable by a new item; the old item keeps what it covered', async () => {
				await store.reservePayoutItem(item('pi_1', ['e1', 'e2']));
				await store.updatePayoutItem('pi_1', { state: 'submitted' });
				expect(await store.updatePayoutItem('pi_1', { state: 'failed', error: 'RECEIVER_UNREGISTERED' }, { from: ['submitted'] })).toBe(true);
				expect(await settlements()).toEqual({ e1: 'open', e2: 'open', e3: 'open', e4: 'open' });
				expect((await store.listLedger({ unpaid: true, affiliateId: 'aff_p' })).map((entry) => entry.id)).toEqual(['e1', 'e2', 'e3', 'e4']);
				expect(await store.getPayoutItem('pi_1')).toMatchObject({ state: 'failed', error: 'RECEIVER_UNREGISTERED', entryIds: ['e1', 'e2'] });

				// Its lines now belong to another item: the released one cannot be sent again, and a failure seen again changes nothing.
				expect(await store.reservePayoutItem(item('pi_2', ['e1', 'e2', 'e3']))).toStrictEqual({ outcome: 'reserved' });
				await expect(store.updatePayoutItem('pi_1', { state: 'submitted' })).rejects.toThrow(/e1, e2 are held by another payout item/);
				await expect(store.updatePayoutItem('pi_1', { state: 'reserved' })).rejects.toThrow(/held by another/);
				expect(await store.updatePayoutItem('pi_1', { state: 'failed', note: 'seen again' })).toBe(true);
				expect((await store.listLedger({ payoutItemId: 'pi_1' })).map((entry) => [entry.id, entry.settlement, entry.payoutItemId])).toEqual([
					['e1', 'locked', 'pi_2'],
					['e2', 'locked', 'pi_2'],
				]);
				expect(await states('pi_1')).toEqual(['reserved', 'submitted', 'failed', 'failed']);

				// Paid, then returned by the provider: the money came back, the lines reopen.
				await store.updatePayoutItem('pi_2', { state: 'paid' });
				expect(await settlements()).toEqual({ e1: 'paid', e2: 'paid', e3: 'paid', e4: 'open' });
				expect(await store.updatePayoutItem('pi_2', { state: 'returned' }, { from: ['paid'] })).toBe(true);
				expect(await settlements()).toEqual({ e1: 'open', e2: 'open', e3: 'open', e4: 'open' });
				expect(await store.reservePayoutItem(item('pi_3', ['e1', 'e2', 'e3', 'e4']))).toStrictEqual({ outcome: 'reserved' });
				expect(await states('pi_2')).toEqual(['reserved', 'paid', 'returned']);
			});

			it('unclaimed holds the lines unless the update says reopen', async () => {
				await store.reservePayoutItem(item('pi_1', ['e1']));
				await store.reservePayoutItem(item('pi_2', ['e2']));
				await store.reservePayoutItem(item('pi_3', ['e3']));
				await store.updatePayoutItem('pi_1', { state: 'unclaimed' });
				await store.updatePayoutItem('pi_2', { state: 'unclaimed', reopen: true });
				await store.updatePayoutItem('pi_3', { state: 'unclaimed', reopen: false });
				expect(await settlements()).toEqual({ e1: 'locked', e2: 'open', e3: 'locked', e4: 'open' });
				expect(await store.updatePayoutItem('pi_1', { state: 'paid' }, { from: ['unclaimed'] })).toBe(true);
				expect(await store.updatePayoutItem('pi_2', { state: 'returned' }, { from: ['unclaimed'] })).toBe(true);
				expect(await settlements()).toEqual({ e1: 'paid', e2: 'open', e3: 'locked', e4: 'open' });
			});

			it('a reopened item the provider reports paid after all holds its lines again, or says which were paid twice', async () => {
				await store.reservePayoutItem(item('pi_1', ['e1', 'e2']));
				await store.reservePayoutItem(item('pi_2', ['e3', 'e4']));
				await store.updatePayoutItem('pi_1', { state: 'unclaimed', reopen: true });
				await store.updatePayoutItem('pi_2', { state: 'unclaimed', reopen: true });
				expect(await settlements()).toEqual({ e1: 'open', e2: 'open', e3: 'open', e4: 'open' });
				// The receiver claims pi_1's money while its lines are still open: they are held (paid) again.
				expect(await store.updatePayoutItem('pi_1', { state: 'paid', providerItemId: 'PI-1' }, { from: ['unclaimed'] })).toBe(true);
				expect(await settlements()).toMatchObject({ e1: 'paid', e2: 'paid' });
				expect((await store.getPayoutItem('pi_1'))?.error).toBeUndefined();
				// pi_2's line e4 was reserved by a new item before pi_2's money was claimed: recorded, and said.
				expect(await store.reservePayoutItem(item('pi_3', ['e4']))).toStrictEqual({ outcome: 'reserved' });
				expect(await store.updatePayoutItem('pi_2', { state: 'paid' }, { from: ['unclaimed'] })).toBe(true);
				expect(await settlements()).toMatchObject({ e3: 'paid', e4: 'locked' });
				expect((await store.listLedger({ affiliateId: 'aff_p' })).map((entry) => entry.payoutItemId)).toEqual(['pi_1', 'pi_1', 'pi_2', 'pi_3']);
				const paidTwice = await store.getPayoutItem('pi_2');
				expect(paidTwice).toMatchObject({ state: 'paid', error: expect.stringMatching(/e4 is held by another payout item now \(paid twice\?\)/) });
				expect((await store.payoutItemHistory('pi_2')).pop()).toMatchObject({ state: 'paid', error: paidTwice!.error });
				// A move that fails rolls back every hold it took.
				await store.updatePayoutItem('pi_3', { state: 'failed' });
				await store.updatePayoutItem('pi_1', { state: 'returned' });
				await store.reservePayoutItem(item('pi_4', ['e2']));
				await expect(store.updatePayoutItem('pi_1', { state: 'submitted' })).rejects.toThrow(/e2 is held/);
				expect(await settlements()).toMatchObject({ e1: 'open', e2: 'locked' });
			});

			it('filters the ledger by settlement and payout item; unpaid means open; occurredBefore still applies', async () => {
				await store.addLedgerEntry(line('e5', { occurredAt: '2026-11-02T00:00:00.000Z' }));
				await store.addLedgerEntry(line('e_legacy', { payoutId: 'po_manual' }));
				await store.reservePayoutItem(item('pi_paid', ['e1']));
				await store.updatePayoutItem('pi_paid', { state: 'paid' });
				await store.reservePayoutItem(item('pi_flight', ['e2', 'e3']));
				await store.updatePayoutItem('pi_flight', { state: 'submitted' });
				const ids = async (filter: Parameters<TrackingStore['listLedger']>[0]) => (await store.listLedger(filter)).map((entry) => entry.id);
				expect(await ids({ settlement: 'open' })).toEqual(['e4', 'e5']);
				expect(await ids({ unpaid: true })).toEqual(['e4', 'e5']);
				expect(await ids({ unpaid: true, occurredBefore: '2026-11-01T00:00:00Z' })).toEqual(['e4']);
				expect(await ids({ settlement: 'locked' })).toEqual(['e2', 'e3']);
				expect(await ids({ settlement: 'paid' })).toEqual(['e1', 'e_legacy']);
				expect(await ids({ settlement: ['paid', 'locked'], affiliateId: 'aff_p', currency: 'USD' })).toEqual(['e1', 'e2', 'e3', 'e_legacy']);
				expect(await ids({ settlement: [] })).toEqual([]);
				expect(await ids({ payoutItemId: 'pi_flight' })).toEqual(['e2', 'e3']);
				expect(await ids({ payoutItemId: 'pi_flight', settlement: 'open' })).toEqual([]);
				await expect(store.listLedger({ settlement: 'settled' as never })).rejects.toThrow(/settlement/);
			});

			it('lists items in reservation order, by batch, state, affiliate, period and provider', async () => {
				await store.addLedgerEntry(line('q1', { affiliateId: 'aff_q' }));
				await store.reservePayoutItem(item('pi_b', ['e1']));
				await store.reservePayoutItem(item('pi_a', ['e2'], { provider: 'stripe', receiver: 'acct_1', batchId: 'tg_2026-10' }));
				await store.reservePayoutItem(item('pi_c', ['q1'], { affiliateId: 'aff_q', period: '2026-11', batchId: 'batch_2026-11' }));
				await store.updatePayoutItem('pi_a', { state: 'submitted' });
				const ids = async (filter?: Parameters<TrackingStore['listPayoutItems']>[0]) => (await store.listPayoutItems(filter)).map((record) => record.id);
				expect(await ids()).toEqual(['pi_b', 'pi_a', 'pi_c']);
				expect(await ids({ batchId: 'batch_2026-10' })).toEqual(['pi_b']);
				expect(await ids({ state: ['reserved'] })).toEqual(['pi_b', 'pi_c']);
				expect(await ids({ state: ['submitted', 'unknown'] })).toEqual(['pi_a']);
				expect(await ids({ state: [] })).toEqual([]);
				expect(await ids({ affiliateId: 'aff_q' })).toEqual(['pi_c']);
				expect(await ids({ period: '2026-10', provider: 'stripe' })).toEqual(['pi_a']);
				expect((await store.listPayoutItems({ provider: 'stripe' }))[0]).toStrictEqual(await store.getPayoutItem('pi_a'));
				await expect(store.listPayoutItems({ state: ['lost' as never] })).rejects.toThrow(/state/);
			});

			it('concurrent reservations inside a process: exactly one reserved, for one id and for overlapping lines', async () => {
				const sameId = await Promise.all(Array.from({ length: 12 }, () => store.reservePayoutItem(item('pi_race', ['e1', 'e2']))));
				expect(sameId.filter((result) => result.outcome === 'reserved')).toHaveLength(1);
				expect(sameId.filter((result) => result.outcome === 'exists')).toHaveLength(11);
				const overlapping = await Promise.all(
					Array.from({ length: 12 }, (_, index) => store.reservePayoutItem(item(`pi_overlap_${index}`, index % 2 ? ['e3', 'e4'] : ['e4', 'e3']))),
				);
				expect(overlapping.filter((result) => result.outcome === 'reserved')).toHaveLength(1);
				expect(overlapping.filter((result) => result.outcome === 'entries_taken')).toHaveLength(11);
				expect(await store.listPayoutItems()).toHaveLength(2);
			});

			it('concurrent compare-and-set updates of one item: exactly one is applied', async () => {
				await store.reservePayoutItem(item('pi_1', ['e1']));
				const results = await Promise.all(
					Array.from({ length: 10 }, (_, index) => store.updatePayoutItem('pi_1', { state: index % 2 ? 'submitted' : 'failed' }, { from: ['reserved'] })),
				);
				expect(results.filter(Boolean)).toHaveLength(1);
				expect(await store.payoutItemHistory('pi_1')).toHaveLength(2);
			});

			it('the database itself refuses to change item history and coverage', async () => {
				await store.reservePayoutItem(item('pi_1', ['e1']));
				await expect(harness.query(`UPDATE payout_item_history SET state = 'paid'`)).rejects.toThrow(/append-only/);
				await expect(harness.query(`DELETE FROM payout_item_history`)).rejects.toThrow(/append-only/);
				await expect(harness.query(`DELETE FROM payout_item_entries`)).rejects.toThrow(/append-only/);
				await expect(harness.query(`UPDATE payout_items SET state = 'settled'`)).rejects.toThrow(/check/i);
				expect(await store.payoutItemHistory('pi_1')).toHaveLength(1);
			});
		});

		describe('coupons and customers', () => {
			it('maps a coupon to an affiliate; setting it again replaces the affiliate', async () => {
				expect(await store.findCouponAffiliate('SPRING10')).toBeUndefined();
				await store.setCoupon('SPRING10', 'aff_1');
				expect(await store.findCouponAffiliate('SPRING10')).toBe('aff_1');
				await store.setCoupon('SPRING10', 'aff_2');
				expect(await store.findCouponAffiliate('SPRING10')).toBe('aff_2');
				await store.setCoupon('ÉTÉ-☀', 'aff_3');
				expect(await store.findCouponAffiliate('ÉTÉ-☀')).toBe('aff_3');
				// Codes are kept as given; normalizing case is the caller's choice.
				expect(await store.findCouponAffiliate('spring10')).toBeUndefined();
				await expect(store.setCoupon('', 'aff_1')).rejects.toThrow(/code/);
			});

			it('links a customer to the first affiliate for life', async () => {
				expect(await store.findCustomer('sha256:abc')).toBeUndefined();
				expect(await store.linkCustomer('sha256:abc', 'aff_1', 'clk_1')).toStrictEqual({ affiliateId: 'aff_1', clickId: 'clk_1' });
				expect(await store.linkCustomer('sha256:abc', 'aff_2', 'clk_2')).toStrictEqual({ affiliateId: 'aff_1', clickId: 'clk_1' });
				expect(await store.linkCustomer('sha256:abc', 'aff_2')).toStrictEqual({ affiliateId: 'aff_1', clickId: 'clk_1' });
				expect(await store.findCustomer('sha256:abc')).toStrictEqual({ affiliateId: 'aff_1', clickId: 'clk_1' });
				expect(await store.linkCustomer('sha256:def', 'aff_2')).toStrictEqual({ affiliateId: 'aff_2' });
				expect(await store.findCustomer('sha256:def')).toStrictEqual({ affiliateId: 'aff_2' });
			});

			it('concurrent first links agree on one affiliate', async () => {
				const links = await Promise.all(Array.from({ length: 10 }, (_, index) => store.linkCustomer('sha256:race', `aff_${index}`)));
				expect(new Set(links.map((link) => link.affiliateId)).size).toBe(1);
				expect(await store.findCustomer('sha256:race')).toStrictEqual(links[0]);
			});
		});

		describe('conversion log: deliveries and the latest conversions', () => {
			const at = (minute: number) => `2024-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
			const stored = (n: number, overrides: Partial<StoredConversion> = {}) => {
				const key = { network: overrides.network ?? 'shareasale', transactionId: `LOG-${n}`, eventName: 'Purchase' };
				return conversion({ id: conversionIdFor(key), ...key, recordedAt: at(n), occurredAt: at(n), ...overrides });
			};

			it('records delivery lines with every field, and with none, and lists them oldest first', async () => {
				const full = await store.recordDelivery({
					conversionId: 'cv_a',
					destination: 'meta',
					outcome: 'failed',
					eventId: 'ev_1',
					code: '190',
					reason: 'Invalid OAuth access token — vérifiez',
					httpStatus: 400,
					at: '2024-06-01T12:00:00+02:00',
				});
				expect(full).toStrictEqual({
					conversionId: 'cv_a',
					destination: 'meta',
					outcome: 'failed',
					eventId: 'ev_1',
					code: '190',
					reason: 'Invalid OAuth access token — vérifiez',
					httpStatus: 400,
					at: '2024-06-01T10:00:00.000Z',
				});
				const before = Date.now();
				const minimal = await store.recordDelivery({ conversionId: 'cv_a', destination: 'postback:voluum', outcome: 'sent' });
				expect(Object.keys(minimal).sort()).toEqual(['at', 'conversionId', 'destination', 'outcome']);
				expect(minimal.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
				expect(Math.abs(Date.parse(minimal.at) - before)).toBeLessThan(60_000);
				await store.recordDelivery({ conversionId: 'cv_b', destination: 'tiktok', outcome: 'retry_later', at: '2024-06-01T09:00:00Z' });
				// The same line again is a second attempt: appended, never merged.
				await store.recordDelivery({ conversionId: 'cv_a', destination: 'postback:voluum', outcome: 'duplicate' });

				expect(await store.listDeliveries('cv_a')).toStrictEqual([
					full,
					minimal,
					expect.objectContaining({ outcome: 'duplicate', destination: 'postback:voluum' }),
				]);
				const both = await store.listDeliveries({ conversionIds: ['cv_b', 'cv_a', 'cv_a'] });
				expect(both.map((line) => [line.conversionId, line.outcome])).toEqual([
					['cv_a', 'failed'],
					['cv_a', 'sent'],
					['cv_b', 'retry_later'],
					['cv_a', 'duplicate'],
				]);
				expect(await store.listDeliveries('cv_none')).toStrictEqual([]);
				expect(await store.listDeliveries({ conversionIds: [] })).toStrictEqual([]);
			});

			it('keeps the first 1000 characters of a reason, and refuses bad lines', async () => {
				const line = await store.recordDelivery({ conversionId: 'cv_long', destination: 'google_ads', outcome: 'skipped', reason: '€'.repeat(1500) });
				expect(line.reason).toBe('€'.repeat(1000));
				await expect(store.recordDelivery({ conversionId: 'cv_x', destination: 'meta', outcome: 'maybe' as never })).rejects.toThrow(/outcome/);
				await expect(store.recordDelivery({ conversionId: '', destination: 'meta', outcome: 'sent' })).rejects.toThrow(/conversionId/);
				await expect(store.recordDelivery({ conversionId: 'cv_x', destination: ' ', outcome: 'sent' })).rejects.toThrow(/destination/);
				await expect(store.recordDelivery({ conversionId: 'cv_x', destination: 'meta', outcome: 'sent', httpStatus: 99 })).rejects.toThrow(/httpStatus/);
				await expect(store.recordDelivery({ conversionId: 'cv_x', destination: 'meta', outcome: 'sent', httpStatus: 200.5 })).rejects.toThrow(/httpStatus/);
				await expect(store.recordDelivery({ conversionId: 'cv_x', destination: 'meta', outcome: 'sent', at: '2024-06-01 10:00' })).rejects.toThrow(
					/at must be/,
				);
				await expect(store.listDeliveries({} as never)).rejects.toThrow(/conversion id/);
				expect(await store.listDeliveries('cv_x')).toStrictEqual([]);
			});

			it('the delivery log is append-only', async () => {
				await store.recordDelivery({ conversionId: 'cv_a', destination: 'meta', outcome: 'sent' });
				await expect(harness.query(`UPDATE deliveries SET outcome = 'failed'`)).rejects.toThrow(/append-only/);
				await expect(harness.query('DELETE FROM deliveries')).rejects.toThrow(/append-only/);
				expect(await store.listDeliveries('cv_a')).toHaveLength(1);
			});

			it('lists the latest conversions, newest recorded first, with limit, cursor, network, affiliate and since', async () => {
				for (const n of [3, 1, 5, 2, 4]) {
					await store.saveConversion(stored(n, n === 4 ? { network: 'awin', affiliateId: 'aff_9' } : {}));
				}
				// A later status change does not move a conversion in the list, and the list shows the current status.
				await store.appendStatus({ conversionId: stored(1).id, status: 'approved', at: at(30) });
				const all = await store.listConversions();
				expect(all.map((row) => row.transactionId)).toEqual(['LOG-5', 'LOG-4', 'LOG-3', 'LOG-2', 'LOG-1']);
				expect(all[4]).toStrictEqual({ ...stored(1), status: 'approved' });
				expect((await store.listConversions({ limit: 2 })).map((row) => row.transactionId)).toEqual(['LOG-5', 'LOG-4']);
				expect((await store.listConversions({ limit: 2, before: at(4) })).map((row) => row.transactionId)).toEqual(['LOG-3', 'LOG-2']);
				expect((await store.listConversions({ network: 'shareasale', limit: 10 })).map((row) => row.transactionId)).toEqual([
					'LOG-5',
					'LOG-3',
					'LOG-2',
					'LOG-1',
				]);
				expect((await store.listConversions({ affiliateId: 'aff_9' })).map((row) => row.transactionId)).toEqual(['LOG-4']);
				expect((await store.listConversions({ since: '2024-06-01T12:03:00+02:00' })).map((row) => row.transactionId)).toEqual(['LOG-5', 'LOG-4', 'LOG-3']);
				expect(await store.listConversions({ network: 'nobody' })).toStrictEqual([]);
			});

			it('ties on recordedAt come newest written first; bad filters are refused', async () => {
				for (const n of [7, 8, 9]) await store.saveConversion(stored(n, { recordedAt: at(10) }));
				expect((await store.listConversions()).map((row) => row.transactionId)).toEqual(['LOG-9', 'LOG-8', 'LOG-7']);
				await expect(store.listConversions({ limit: 0 })).rejects.toThrow(/limit/);
				await expect(store.listConversions({ limit: 1001 })).rejects.toThrow(/limit/);
				await expect(store.listConversions({ limit: 2.5 })).rejects.toThrow(/limit/);
				await expect(store.listConversions({ before: 'yesterday' })).rejects.toThrow(/before/);
				await expect(store.listConversions({ network: '' })).rejects.toThrow(/network/);
			});

			it('filters ledger lines by conversion', async () => {
				await store.addLedgerEntry(ledger({ id: 'led_a1', conversionId: 'cv_a', payoutId: undefined }));
				await store.addLedgerEntry(ledger({ id: 'led_b1', conversionId: 'cv_b', payoutId: undefined }));
				await store.addLedgerEntry(ledger({ id: 'led_a2', conversionId: 'cv_a', kind: 'reversal', amount: '-12.05', status: 'reversed', payoutId: undefined }));
				await store.addLedgerEntry(ledger({ id: 'led_none', conversionId: undefined, payoutId: undefined }));
				expect((await store.listLedger({ conversionId: 'cv_a' })).map((line) => line.id)).toEqual(['led_a1', 'led_a2']);
				expect((await store.listLedger({ conversionId: ['cv_b', 'cv_a'] })).map((line) => line.id)).toEqual(['led_a1', 'led_b1', 'led_a2']);
				expect(await store.listLedger({ conversionId: [] })).toStrictEqual([]);
				await expect(store.listLedger({ conversionId: '' })).rejects.toThrow(/conversionId/);
			});
		});

		describe('migrations and lifecycle', () => {
			it('records every migration once', async () => {
				const rows = await harness.query('SELECT version, name, applied_at FROM schema_migrations ORDER BY version');
				expect(rows.map((row) => Number(row.version))).toEqual(MIGRATIONS.map((migration) => migration.version));
				expect(Number(rows[rows.length - 1].version)).toBe(LATEST_VERSION);
			});

			it('opening an existing database again applies nothing and keeps the data', async () => {
				await store.recordClick(FULL_CLICK);
				await store.claimConversion({ network: 'n', transactionId: 't', eventName: 'e' });
				const before = await harness.query('SELECT version, applied_at FROM schema_migrations ORDER BY version');
				const again = await harness.open();
				try {
					expect(await again.findClick(FULL_CLICK.clickId)).toStrictEqual(FULL_CLICK);
					expect(await again.claimConversion({ network: 'n', transactionId: 't', eventName: 'e' })).toBe('duplicate');
				} finally {
					await again.close();
				}
				expect(await harness.query('SELECT version, applied_at FROM schema_migrations ORDER BY version')).toEqual(before);
			});

			it('several stores opening one fresh database at once all migrate it once and work', async () => {
				const fresh = await makeHarness();
				try {
					const stores = await Promise.all([fresh.open(), fresh.open(), fresh.open(), fresh.open()]);
					try {
						const results = await Promise.all(stores.map((other) => other.claimConversion({ network: 'n', transactionId: 'open-race', eventName: 'e' })));
						expect([...results].sort()).toEqual(['duplicate', 'duplicate', 'duplicate', 'first']);
					} finally {
						await Promise.all(stores.map((other) => other.close()));
					}
					expect(await fresh.query('SELECT version FROM schema_migrations')).toHaveLength(MIGRATIONS.length);
				} finally {
					await fresh.dispose();
				}
			});

			it('a closed store refuses work; closing twice is fine', async () => {
				const other = await harness.open();
				await other.close();
				await other.close();
				await expect(other.claimConversion({ network: 'n', transactionId: 't', eventName: 'e' })).rejects.toThrow(/closed/);
			});

			it('reports its kind', () => {
				expect(['sqlite', 'postgres']).toContain(store.kind);
			});
		});
	});
	describeContractParts(name, makeHarness);
}

/**
 * The contract's further parts: every `contract-<part>.ts` beside this file exports
 * `describeContract(name, makeHarness)` and runs on both stores without a line here or in the store suites.
 */
function describeContractParts(name: string, makeHarness: () => Promise<StoreHarness>): void {
	for (const file of readdirSync(__dirname)
		.filter((entry) => /^contract-[a-z0-9-]+\.ts$/.test(entry))
		.sort()) {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const part = require(join(__dirname, file)) as { describeContract?: (name: string, makeHarness: () => Promise<StoreHarness>) => void };
		if (typeof part.describeContract !== 'function') throw new Error(`${file} must export describeContract(name, makeHarness)`);
		part.describeContract(name, makeHarness);
	}
}
