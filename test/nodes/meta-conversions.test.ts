import type { INodeExecutionData } from 'n8n-workflow';
import { platformNodeClass } from '../../nodes/shared/platform-classes';
import { META_FAKE_PIXEL, META_FAKE_TOKEN, type MetaFake, startMetaFake } from '../fakes/meta';
import { DAY, HOUR, adClick, ago, clickTrackerItem, forwardOf, funnelItem, runDestination, runError, useTrackingStore } from './destination-helpers';
import { runCredentialTestRequest } from './harness';

const MetaConversions = platformNodeClass('meta');

const META = {
	type: 'n8n-nodes-postback.metaConversions',
	name: 'Meta Conversions API',
	nodeType: new MetaConversions(),
	credentialType: 'metaConversionsApi',
};
const HEX64 = /^[a-f0-9]{64}$/;

const db = useTrackingStore();
let fake: MetaFake;
let credential: { accessToken: string; baseUrl: string };

beforeAll(async () => {
	fake = await startMetaFake();
	credential = { accessToken: META_FAKE_TOKEN, baseUrl: fake.url };
});
afterAll(async () => {
	await fake.close();
});

const recorded = (eventId: string) => fake.events.find((entry) => entry.event.event_id === eventId);

describe('Meta Conversions API node, funnel items through WorkflowExecute to the strict fake', () => {
	let items: INodeExecutionData[];
	beforeAll(async () => {
		const store = db.store();
		const purchase = await funnelItem(
			store,
			{
				click_id: 'meta_c1',
				transaction_id: 'META-T1',
				commission: '39.50',
				amount: '79',
				occurred_at: ago(HOUR),
				email: ' Jane.Doe@Example.com ',
				phone: '+1 (415) 555-0100',
			},
			adClick('meta_c1', ago(2 * HOUR)),
		);
		const lead = await funnelItem(
			store,
			{ click_id: 'meta_c2', transaction_id: 'META-T2', event_name: 'Lead', commission: '0', occurred_at: ago(HOUR) },
			adClick('meta_c2', ago(3 * HOUR)),
		);
		const old = await funnelItem(
			store,
			{ click_id: 'meta_c3', transaction_id: 'META-T3', commission: '10', occurred_at: ago(8 * DAY) },
			adClick('meta_c3', ago(9 * DAY)),
		);
		const noClick = await funnelItem(store, {
			click_id: 'meta_unknown',
			transaction_id: 'META-T4',
			commission: '10',
			occurred_at: ago(HOUR),
			email: 'a@b.example',
		});
		const reversal = await funnelItem(store, {
			click_id: 'meta_c1',
			transaction_id: 'META-T1',
			commission: '-39.50',
			amount: '-79',
			occurred_at: ago(HOUR / 2),
		});
		expect([purchase.output, lead.output, old.output, noClick.output, reversal.output]).toEqual(['purchase', 'lead', 'purchase', 'purchase', 'reversal']);
		items = [purchase.item, lead.item, old.item, noClick.item, reversal.item];
	});

	it('sends the sendable ones in one batch, fails the rest with a reason, pairedItem on every item', async () => {
		const result = await runDestination(META, items, { pixelId: META_FAKE_PIXEL, testEventCode: 'TEST123' }, credential);
		expect(runError(result.run)).toBeUndefined();

		expect(result.sent.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(result.failed.map((item) => item.pairedItem)).toEqual([{ item: 2 }, { item: 3 }, { item: 4 }]);
		expect(result.collected.sent).toHaveLength(2);
		expect(result.collected.failed).toHaveLength(3);
		for (const item of result.sent) expect(forwardOf(item)).toEqual({ platform: 'meta', outcome: 'sent', eventId: item.json.conversionId });
		// The input's JSON is kept, `forward` is added.
		expect(result.sent[0].json).toMatchObject({ transactionId: 'META-T1', route: 'purchase', commission: '39.5' });
		expect(result.failed.map((item) => forwardOf(item).code)).toEqual(['event_too_old', 'missing_website_fields', 'not_a_conversion']);
		for (const item of result.failed) expect(forwardOf(item)).toMatchObject({ platform: 'meta', outcome: 'failed', reason: expect.any(String) });

		// One request, the token only in the query, both events as the fake recorded them.
		const requests = fake.requests.filter((request) => request.path.endsWith('/events'));
		expect(requests).toHaveLength(1);
		expect(requests[0].path).toBe(`/v26.0/${META_FAKE_PIXEL}/events`);
		expect(requests[0].query.access_token).toBe(META_FAKE_TOKEN);
		const purchase = recorded(String(items[0].json.conversionId))!;
		expect(purchase.testEventCode).toBe('TEST123');
		const event = purchase.event as {
			event_name: string;
			event_time: number;
			action_source: string;
			event_source_url: string;
			user_data: Record<string, unknown>;
			custom_data: unknown;
		};
		expect(event.event_name).toBe('Purchase');
		expect(String(event.event_time)).toMatch(/^\d{10}$/);
		expect(Math.abs(event.event_time - Math.floor((Date.now() - HOUR) / 1000))).toBeLessThan(120);
		expect(event.action_source).toBe('website');
		expect(event.event_source_url).toBe('https://blog.example.com/best-hosting');
		expect(event.custom_data).toEqual({ value: 39.5, currency: 'USD' });
		const user = event.user_data as { em: string[]; ph: string[]; client_user_agent: string; client_ip_address: string; fbc: string; fbp: string };
		expect(user.em).toHaveLength(1);
		expect(user.em[0]).toMatch(HEX64);
		expect(user.ph[0]).toMatch(HEX64);
		expect(user.em[0]).not.toBe(user.ph[0]);
		// Browser and click ids raw.
		expect(user).toMatchObject({
			client_ip_address: '203.0.113.50',
			client_user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)',
			fbp: 'fb.1.1700000000000.1234567890',
		});
		expect(user.fbc).toMatch(/^fb\.1\.\d{13}\.IwARmeta_c1$/);
		expect(recorded(String(items[1].json.conversionId))!.event).toMatchObject({ event_name: 'Lead' });
	});

	it('the same items again: Meta drops the repeats by event id (the ids are deterministic)', async () => {
		const before = fake.events.length;
		const result = await runDestination(META, items.slice(0, 2), { pixelId: META_FAKE_PIXEL, testEventCode: 'TEST123' }, credential);
		expect(result.sent).toHaveLength(2);
		expect(fake.events.length).toBe(before);
		expect(fake.duplicates.map((entry) => entry.event.event_id)).toEqual(expect.arrayContaining([items[0].json.conversionId, items[1].json.conversionId]));
	});

	it('a 503 from Meta is retried with backoff, and the batch is sent on the next attempt', async () => {
		const { item } = await funnelItem(
			db.store(),
			{ click_id: 'meta_c5', transaction_id: 'META-T5', commission: '12', occurred_at: ago(HOUR) },
			adClick('meta_c5', ago(2 * HOUR)),
		);
		fake.failNext(1, { status: 503 });
		const answersBefore = fake.answers.length;
		const result = await runDestination(META, [item], { pixelId: META_FAKE_PIXEL }, credential);
		expect(result.sent.map(forwardOf)).toEqual([{ platform: 'meta', outcome: 'sent', eventId: item.json.conversionId }]);
		expect(fake.answers.slice(answersBefore).map((answer) => answer.status)).toEqual([503, 200]);
	});

	it('a token Meta refuses: every item Failed with the credential hint, nothing recorded', async () => {
		const { item } = await funnelItem(
			db.store(),
			{ click_id: 'meta_c6', transaction_id: 'META-T6', commission: '12', occurred_at: ago(HOUR) },
			adClick('meta_c6', ago(2 * HOUR)),
		);
		const result = await runDestination(META, [item], { pixelId: META_FAKE_PIXEL }, { ...credential, accessToken: 'EAAwrongtoken' });
		expect(result.sent).toEqual([]);
		expect(forwardOf(result.failed[0])).toMatchObject({ outcome: 'failed', code: '190', reason: expect.stringContaining('Meta Conversions API credential') });
		expect(recorded(String(item.json.conversionId))).toBeUndefined();
	});

	it('a Click Tracker click goes as OutboundClick, with the click id as event id and its browser data', async () => {
		const click = await clickTrackerItem(db.path(), { fbclid: 'IwAR2clicktest', gclid: 'Cj0clicktest' });
		const result = await runDestination(META, [click], { pixelId: META_FAKE_PIXEL }, credential);
		expect(runError(result.run)).toBeUndefined();
		expect(result.failed).toEqual([]);
		expect(result.sent[0].pairedItem).toEqual({ item: 0 });
		expect(forwardOf(result.sent[0])).toEqual({ platform: 'meta', outcome: 'sent', eventId: `click_${String(click.json.clickId)}` });
		const event = recorded(`click_${String(click.json.clickId)}`)!.event as {
			event_name: string;
			event_time: number;
			event_source_url: string;
			user_data: Record<string, unknown>;
		};
		expect(event.event_name).toBe('OutboundClick');
		expect(String(event.event_time)).toMatch(/^\d{10}$/);
		expect(event.event_source_url).toBe('https://blog.example.com/review');
		expect(event.user_data).toMatchObject({ client_user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)', fbp: 'fb.1.1700000000000.42' });
		expect(event.user_data.fbc).toMatch(/^fb\.1\.\d{13}\.IwAR2clicktest$/);
		// The visitor id, hashed, as external_id.
		expect((event.user_data.external_id as string[])[0]).toMatch(HEX64);
	});

	it('a configuration error fails the node with a NodeOperationError; with continue on fail it becomes a Failed item', async () => {
		const { item } = await funnelItem(
			db.store(),
			{ click_id: 'meta_c7', transaction_id: 'META-T7', commission: '12', occurred_at: ago(HOUR) },
			adClick('meta_c7', ago(2 * HOUR)),
		);
		const stopped = await runDestination(META, [item], { pixelId: 'not-a-pixel' }, credential);
		expect(runError(stopped.run)).toMatchObject({ name: 'NodeOperationError', message: expect.stringContaining('pixel ID'), context: { itemIndex: 0 } });

		const continued = await runDestination(META, [item, { json: { hello: 'world' } }], { pixelId: 'not-a-pixel' }, credential, {
			onError: 'continueRegularOutput',
		});
		expect(runError(continued.run)).toBeUndefined();
		expect(continued.sent).toEqual([]);
		expect(continued.failed.map((failed) => failed.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(forwardOf(continued.failed[0])).toEqual({ platform: 'meta', outcome: 'failed', code: 'configuration', reason: expect.stringContaining('pixel ID') });
		expect(continued.failed[1].json.hello).toBe('world');
	});

	it.each([['continueRegularOutput'], ['continueErrorOutput']] as const)('with On Error %s, an item that fails never reaches Sent', async (onError) => {
		const { item } = await funnelItem(
			db.store(),
			{ click_id: `meta_e_${onError}`, transaction_id: `META-E-${onError}`, commission: '12', occurred_at: ago(HOUR) },
			adClick(`meta_e_${onError}`, ago(2 * HOUR)),
		);
		const result = await runDestination(META, [{ json: { hello: 'world' } }, item], { pixelId: META_FAKE_PIXEL }, credential, { onError });
		expect(runError(result.run)).toBeUndefined();
		expect(result.sent.map((sent) => sent.pairedItem)).toEqual([{ item: 1 }]);
		expect(result.sent.filter((sent) => 'error' in sent.json || (sent.json.forward as { outcome?: string }).outcome !== 'sent')).toEqual([]);
		expect(result.failed.map((failed) => failed.pairedItem)).toEqual([{ item: 0 }]);
	});

	it('an item that is neither a conversion nor a click: continue on fail sends the others', async () => {
		const { item } = await funnelItem(
			db.store(),
			{ click_id: 'meta_c8', transaction_id: 'META-T8', commission: '12', occurred_at: ago(HOUR) },
			adClick('meta_c8', ago(2 * HOUR)),
		);
		const result = await runDestination(META, [{ json: { hello: 'world' } }, item], { pixelId: META_FAKE_PIXEL }, credential, {
			onError: 'continueRegularOutput',
		});
		expect(result.sent.map((sent) => sent.pairedItem)).toEqual([{ item: 1 }]);
		expect(result.failed.map((failed) => failed.pairedItem)).toEqual([{ item: 0 }]);
		expect(forwardOf(result.failed[0])).toMatchObject({ outcome: 'failed', code: 'configuration', reason: expect.stringContaining('neither a conversion') });
	});
});

describe('Meta Conversions API credential: its Test request against the fake', () => {
	it('GET /{version}/me with the token as access_token: 200', async () => {
		const result = await runCredentialTestRequest('metaConversionsApi', credential);
		expect(result).toMatchObject({ status: 'OK', statusCode: 200, body: { id: expect.any(String) } });
		expect(new URL(result.url).pathname).toBe('/v26.0/me');
		expect(new URL(result.url).searchParams.get('access_token')).toBe(META_FAKE_TOKEN);
	});

	it('a wrong token fails the test', async () => {
		const result = await runCredentialTestRequest('metaConversionsApi', { ...credential, accessToken: 'EAAwrong' });
		expect(result).toMatchObject({ status: 'Error', statusCode: 400, body: { error: { code: 190 } } });
	});
});

describe('an item the Redelivery Trigger emitted for another platform', () => {
	test('is refused before anything is sent: the node says where to route it, and continues with the rest when told to', async () => {
		const store = db.store();
		const own = await funnelItem(
			store,
			{ click_id: 'meta_r1', transaction_id: 'META-R1', commission: '5', occurred_at: ago(HOUR) },
			adClick('meta_r1', ago(2 * HOUR)),
		);
		const other = await funnelItem(
			store,
			{ click_id: 'meta_r2', transaction_id: 'META-R2', commission: '5', occurred_at: ago(HOUR) },
			adClick('meta_r2', ago(2 * HOUR)),
		);
		const forTikTok = { json: { ...other.item.json, redelivery: { destination: 'tiktok', attempt: 2, token: 'a-tiktok-claim' } } };
		const before = fake.events.length;
		const stopped = await runDestination(META, [forTikTok, own.item], { pixelId: META_FAKE_PIXEL }, credential);
		expect(runError(stopped.run)?.message).toMatch(/emitted by the Redelivery Trigger for "tiktok", not for "meta"/);
		expect(runError(stopped.run)?.context?.itemIndex).toBe(0);
		expect(fake.events.length).toBe(before);
		const continued = await runDestination(META, [forTikTok, own.item], { pixelId: META_FAKE_PIXEL }, credential, { onError: 'continueRegularOutput' });
		expect(continued.failed.map((item) => forwardOf(item).code)).toEqual(['configuration']);
		expect(forwardOf(continued.failed[0]).reason).toMatch(/Switch/);
		expect(continued.sent.map((item) => item.json.transactionId)).toEqual(['META-R1']);
		// One event went out, the own item's.
		expect(fake.events.length).toBe(before + 1);
	});
});
