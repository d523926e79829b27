import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type Execution, outputsOf, uniqueId, waitForExecution, waitForExecutions, workflowNamed } from './n8n-api';

const pipeline = () => workflowNamed('ShareASale tracking pipeline (clicks, postbacks, funnel)');
const clickUrl = () => pipeline().webhookUrls.find((url) => url.endsWith('/go'))!;
const postbackUrl = () => pipeline().webhookUrls.find((url) => url.endsWith('/shareasale-funnel'))!;

/** The Conversion Funnel's outputs, in the node's order. */
const FUNNEL_OUTPUT = { lead: 0, purchase: 1, otherEvent: 2, reversal: 3, pending: 4, rejected: 5, duplicate: 6, unattributed: 7 };

/** The embedded store n8n's nodes use: postback-tracking.sqlite in the n8n user folder. */
function clickRowCount(): number {
	const file = join(process.env.E2E_N8N_USER_FOLDER ?? '', '.n8n', 'postback-tracking.sqlite');
	if (!existsSync(file)) return 0;
	const db = new DatabaseSync(file, { readOnly: true });
	try {
		return (db.prepare('SELECT COUNT(*) AS n FROM clicks').get() as { n: number }).n;
	} finally {
		db.close();
	}
}

async function click(query: Record<string, string>): Promise<{ clickId: string; location: URL }> {
	const response = await fetch(`${clickUrl()}?${new URLSearchParams(query)}`, { redirect: 'manual' });
	expect(response.status).toBe(302);
	const location = new URL(response.headers.get('location') ?? '');
	const clickId = location.searchParams.get('afftrack') ?? '';
	return { clickId, location };
}

function shareasalePostback(clickId: string, transID: string): string {
	return `${postbackUrl()}?${new URLSearchParams({
		afftrack: clickId,
		transtype: 'SALE',
		merchantID: '87575',
		orderNumber: '2617207',
		transID,
		amountOfSale: '79',
		commission: '39.5',
		transDate: new Date().toISOString().slice(0, 19).replace('T', ' '),
	})}`;
}

const funnelItems = (execution: Execution, output: number) => outputsOf(execution, 'Conversion Funnel')[output] ?? [];
const acceptedTransaction = (transID: string) => (execution: Execution) =>
	outputsOf(execution, 'ShareASale Postback')[0]?.some((item) => item.json.transactionId === transID) ?? false;

describe('click → postback → funnel in a real n8n', () => {
	test("a click is recorded and redirected with ShareASale's subid, and the postback for it carries the click's ad ids", async () => {
		const before = clickRowCount();
		const { clickId, location } = await click({
			offer: 'wpengine',
			fbclid: 'IwAR0abcDEF123',
			gclid: 'Cj0KCQ-gclid-1',
			ttclid: 'E.C.P.tt-1',
			utm_source: 'facebook',
		});
		// The row counter below is what proves the refused clicks recorded nothing.
		expect(clickRowCount()).toBe(before + 1);
		expect(location.host).toBe('shareasale.com');
		expect(location.searchParams.get('m')).toBe('41388');
		expect(clickId).toMatch(/^[a-z0-9]{26,}$/);

		const transID = uniqueId('41');
		const answer = await fetch(shareasalePostback(clickId, transID));
		expect(answer.status).toBe(200);

		const execution = await waitForExecution(pipeline().id, acceptedTransaction(transID));
		const [purchase] = funnelItems(execution, FUNNEL_OUTPUT.purchase);
		expect(purchase?.json).toMatchObject({ transactionId: transID, eventName: 'Purchase', clickId });
		const attached = purchase.json.click as Record<string, string>;
		expect(attached.fbclid).toBe('IwAR0abcDEF123');
		expect(attached.fbc).toMatch(/^fb\.1\.\d{13}\.IwAR0abcDEF123$/);
		expect(attached.gclid).toBe('Cj0KCQ-gclid-1');
		expect(attached.ttclid).toBe('E.C.P.tt-1');
	});

	test('the same postback fired 50 times at once comes out once on Purchase and 49 times on Duplicate', async () => {
		const { clickId } = await click({ offer: 'wpengine', gclid: 'Cj0KCQ-gclid-50' });
		const transID = uniqueId('50');
		const url = shareasalePostback(clickId, transID);
		const answers = await Promise.all(Array.from({ length: 50 }, () => fetch(url).then((response) => response.status)));
		expect(answers.filter((status) => status === 200)).toHaveLength(50);

		const executions = await waitForExecutions(pipeline().id, acceptedTransaction(transID), 50, 90000);
		expect(executions).toHaveLength(50);
		const purchases = executions.flatMap((execution) => funnelItems(execution, FUNNEL_OUTPUT.purchase));
		const duplicates = executions.flatMap((execution) => funnelItems(execution, FUNNEL_OUTPUT.duplicate));
		expect(purchases).toHaveLength(1);
		expect(duplicates).toHaveLength(49);
		expect((purchases[0].json.click as Record<string, string>).gclid).toBe('Cj0KCQ-gclid-50');
	});

	test.each([
		['no offer', {}, 400],
		['an unknown offer', { offer: 'not-configured' }, 404],
		['a target outside the allowlist', { url: 'https://evil.example.com/phish' }, 403],
		['an allowlisted host hidden behind user info', { url: 'https://shareasale.com@evil.example.com/' }, 400],
		['a malformed URL', { url: 'not a url' }, 400],
		['a javascript: URL', { url: 'javascript:alert(1)' }, 400],
	])('a click with %s gets a clear 4xx and nothing is recorded', async (_label, query, status) => {
		const before = clickRowCount();
		const response = await fetch(`${clickUrl()}?${new URLSearchParams(query as Record<string, string>)}`, { redirect: 'manual' });
		expect(response.status).toBe(status);
		expect(response.headers.get('location')).toBeNull();
		const body = (await response.json()) as { ok: boolean; error: { code: string; message: string } };
		expect(body.ok).toBe(false);
		expect(body.error.message.length).toBeGreaterThan(10);
		expect(clickRowCount()).toBe(before);
	});
});
