import { startMetaFake, META_FAKE_PIXEL, META_FAKE_TOKEN, type MetaFake } from '../fakes/meta';
import { startTikTokFake, TIKTOK_FAKE_PIXEL, TIKTOK_FAKE_TOKEN, type TikTokFake } from '../fakes/tiktok';
import { baseUrl, n8nFetch, outputsOf, uniqueId, waitForExecution } from './n8n-api';

/**
 * A ShareASale postback and a Click Tracker click, through the Conversion Funnel, into the Meta and
 * TikTok nodes of a real n8n, pointed at the strict fakes (base URL set in the credentials).
 */
let meta: MetaFake;
let tiktok: TikTokFake;
let workflowId: string;

async function publicApi<T>(method: string, path: string, body?: unknown): Promise<T> {
	const response = await n8nFetch(`${baseUrl()}/api/v1${path}`, {
		method,
		headers: { 'content-type': 'application/json', 'X-N8N-API-KEY': process.env.E2E_N8N_API_KEY ?? '' },
		...(body === undefined ? {} : { body: JSON.stringify(body) }),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
	return (text ? JSON.parse(text) : undefined) as T;
}

const node = (name: string, type: string, parameters: Record<string, unknown>, position: [number, number], extra: Record<string, unknown> = {}) => ({
	id: `e2e-dest-${name.toLowerCase().replace(/\W+/g, '-')}`,
	name,
	type,
	typeVersion: 1,
	position,
	parameters,
	...extra,
});

beforeAll(async () => {
	meta = await startMetaFake();
	tiktok = await startTikTokFake();
	const metaCredential = await publicApi<{ id: string; name: string }>('POST', '/credentials', {
		name: 'E2E Meta (fake)',
		type: 'metaConversionsApi',
		data: { accessToken: META_FAKE_TOKEN, apiVersion: 'v26.0', baseUrl: meta.url },
	});
	const tiktokCredential = await publicApi<{ id: string; name: string }>('POST', '/credentials', {
		name: 'E2E TikTok (fake)',
		type: 'tikTokEventsApi',
		data: { accessToken: TIKTOK_FAKE_TOKEN, baseUrl: tiktok.url },
	});
	const workflow = {
		name: 'E2E: ShareASale → funnel → Meta and TikTok',
		nodes: [
			node(
				'Clicks',
				'n8n-nodes-postback.clickTracker',
				{
					path: 'go-ads',
					offers: { offer: [{ name: 'wpengine', url: 'https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&urllink=&afftrack=', network: 'shareasale' }] },
				},
				[0, -200],
				{ webhookId: 'e2e00000-0000-4000-8000-00000000ad01' },
			),
			node('Postback', 'n8n-nodes-postback.postbackTrigger', { network: 'shareasale', path: 'shareasale-ads' }, [0, 100], {
				webhookId: 'e2e00000-0000-4000-8000-00000000ad02',
			}),
			node('Funnel', 'n8n-nodes-postback.conversionFunnel', {}, [250, 100]),
			node('Meta', 'n8n-nodes-postback.metaConversions', { pixelId: META_FAKE_PIXEL }, [500, 0], { credentials: { metaConversionsApi: metaCredential } }),
			node('TikTok', 'n8n-nodes-postback.tikTokEvents', { pixelCode: TIKTOK_FAKE_PIXEL }, [500, 200], { credentials: { tikTokEventsApi: tiktokCredential } }),
		],
		connections: {
			Postback: { main: [[{ node: 'Funnel', type: 'main', index: 0 }], []] },
			// Purchases (output 1) go to both platforms.
			Funnel: {
				main: [
					[],
					[
						{ node: 'Meta', type: 'main', index: 0 },
						{ node: 'TikTok', type: 'main', index: 0 },
					],
				],
			},
		},
		settings: { executionOrder: 'v1' },
	};
	const created = await publicApi<{ id: string }>('POST', '/workflows', workflow);
	workflowId = created.id;
	await publicApi('POST', `/workflows/${workflowId}/activate`);
	const deadline = Date.now() + 30000;
	for (const path of ['shareasale-ads', 'go-ads']) {
		while (Date.now() < deadline && (await n8nFetch(`${baseUrl()}/webhook/${path}`, { redirect: 'manual' })).status === 404)
			await new Promise((r) => setTimeout(r, 200));
	}
});

afterAll(async () => {
	await meta?.close();
	await tiktok?.close();
});

test('a tracked click and its ShareASale postback reach Meta and TikTok hashed, timed in seconds and deduplicated', async () => {
	const clickResponse = await n8nFetch(
		`${baseUrl()}/webhook/go-ads?${new URLSearchParams({ offer: 'wpengine', fbclid: 'IwAR0metaE2E', ttclid: 'E.C.P.ttE2E', landing: 'https://blog.example.com/wp-engine-review' })}`,
		{ redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) E2E', 'x-forwarded-for': '203.0.113.9' } },
	);
	expect(clickResponse.status).toBe(302);
	const clickId = new URL(clickResponse.headers.get('location') ?? '').searchParams.get('afftrack') ?? '';
	expect(clickId).not.toBe('');

	const transID = uniqueId('77');
	const postback = `${baseUrl()}/webhook/shareasale-ads?${new URLSearchParams({
		afftrack: clickId,
		transtype: 'SALE',
		merchantID: '87575',
		orderNumber: '2617207',
		transID,
		amountOfSale: '79',
		commission: '39.5',
		transDate: new Date().toISOString().slice(0, 19).replace('T', ' '),
	})}`;
	expect((await n8nFetch(postback)).status).toBe(200);

	const execution = await waitForExecution(
		workflowId,
		(run) =>
			(outputsOf(run, 'Meta')[0]?.length ?? 0) + (outputsOf(run, 'Meta')[1]?.length ?? 0) > 0 &&
			(outputsOf(run, 'TikTok')[0]?.length ?? 0) + (outputsOf(run, 'TikTok')[1]?.length ?? 0) > 0 &&
			JSON.stringify(run).includes(transID),
	);
	const [metaSent, metaFailed] = outputsOf(execution, 'Meta');
	expect(metaFailed ?? []).toEqual([]);
	expect(metaSent[0].json.forward).toMatchObject({ platform: 'meta', outcome: 'sent' });
	const [tiktokSent, tiktokFailed] = outputsOf(execution, 'TikTok');
	expect(tiktokFailed ?? []).toEqual([]);
	expect(tiktokSent[0].json.forward).toMatchObject({ platform: 'tiktok', outcome: 'sent' });

	const metaEvent = meta.events.find((entry) => JSON.stringify(entry.event).includes('IwAR0metaE2E'))?.event as Record<string, unknown>;
	expect(metaEvent).toBeDefined();
	expect(metaEvent.event_name).toBe('Purchase');
	expect(String(metaEvent.event_time)).toMatch(/^\d{10}$/);
	const userData = metaEvent.user_data as Record<string, unknown>;
	expect(userData.fbc).toMatch(/^fb\.1\.\d{13}\.IwAR0metaE2E$/);
	expect(userData.client_user_agent).toContain('E2E');
	expect((metaEvent.custom_data as Record<string, unknown>).value).toBe(39.5);

	const tiktokEvent = tiktok.events.find((entry) => JSON.stringify(entry.event).includes('E.C.P.ttE2E'))?.event as Record<string, unknown>;
	expect(tiktokEvent).toBeDefined();
	expect(tiktokEvent.event).toBe('CompletePayment');
	expect(String(tiktokEvent.event_time)).toMatch(/^\d{10}$/);
	expect(tiktokEvent.event_id).toBe(metaEvent.event_id);

	// The network retries the postback: the funnel drops it, so neither platform sees it twice.
	const metaCount = meta.events.length;
	const tiktokCount = tiktok.events.length;
	expect((await n8nFetch(postback)).status).toBe(200);
	await waitForExecution(workflowId, (run) => outputsOf(run, 'Funnel')[6]?.some((item) => item.json.transactionId === transID) ?? false);
	expect(meta.events.length).toBe(metaCount);
	expect(tiktok.events.length).toBe(tiktokCount);
	expect(meta.duplicates.length + tiktok.duplicates.length).toBe(0);
});
